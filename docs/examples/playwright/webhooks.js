// The app's backend, as far as the test needs one: it receives paddock's
// webhooks and, as a backend must, refuses any whose Paddle-Signature is
// not the HMAC of `<ts>:<body>` under the notification setting's secret.
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

function signedBy(secret, header = '', body) {
  const { ts, h1 } = Object.fromEntries(header.split(';').map((part) => part.split('=')));
  if (!secret || !ts || !h1) return false;
  const expected = createHmac('sha256', secret).update(`${ts}:${body}`).digest('hex');
  return h1.length === expected.length && timingSafeEqual(Buffer.from(h1), Buffer.from(expected));
}

/**
 * Starts a receiver; resolves to its `url`, `secret` (set it to the
 * setting's `endpoint_secret_key`), `next(eventType)` (resolves to the first
 * verified webhook of that type) and `close()`.
 */
export function receiveWebhooks() {
  const received = [];
  let wake = () => {};
  const receiver = { secret: null };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (!signedBy(receiver.secret, request.headers['paddle-signature'], body)) {
        return response.writeHead(401).end();
      }
      received.push(JSON.parse(body));
      response.writeHead(200).end();
      wake();
    });
  });
  receiver.next = async (eventType) => {
    for (;;) {
      const found = received.find((webhook) => webhook.event_type === eventType);
      if (found) return found;
      await new Promise((resolve) => { wake = resolve; });
    }
  };
  receiver.close = () => new Promise((done) => server.close(done));
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      receiver.url = `http://127.0.0.1:${server.address().port}/webhooks`;
      resolve(receiver);
    });
  });
}
