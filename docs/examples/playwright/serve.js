// The shop's static server: its page, its thank-you page, and
// @paddle/paddle-js's ESM build from node_modules (so no bundler), on a port
// of its own.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';

const files = {
  '/': ['app/index.html', 'text/html; charset=utf-8'],
  '/thanks': ['app/thanks.html', 'text/html; charset=utf-8'],
  '/paddle-js.mjs': ['node_modules/@paddle/paddle-js/dist/index.esm.js', 'text/javascript; charset=utf-8'],
};

/** Starts the server; resolves to its `url` and a `close()`. */
export function serveShop() {
  const server = createServer(async (request, response) => {
    const file = files[new URL(request.url, 'http://shop').pathname];
    if (!file) return response.writeHead(404).end();
    const body = await readFile(new URL(file[0], import.meta.url));
    response.writeHead(200, { 'Content-Type': file[1] }).end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({ url, close: () => new Promise((done) => server.close(done)) });
    });
  });
}
