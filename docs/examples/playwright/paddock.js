// What the tests ask of paddock: its admin API (with the admin token), its
// Paddle API (with a key), and its Paddle.js stand-in for the browser.
export const PADDOCK_URL = process.env.PADDOCK_URL ?? 'http://127.0.0.1:8080';
const ADMIN_TOKEN = process.env.PADDOCK_ADMIN_TOKEN;

/** Calls paddock with `key` as the Bearer; returns the answer's `data`. */
export async function call(method, path, key, body) {
  const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
  const response = await fetch(PADDOCK_URL + path, { method, headers, body: JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(answer)}`);
  return answer.data;
}
export const admin = (method, path, body) => call(method, `/__paddock${path}`, ADMIN_TOKEN, body);

/**
 * Readies `account` for a run: reset (its client tokens go), its sandbox
 * `catalog` (`{ products, prices }`) loaded the first time only, as a reset
 * keeps it. Resolves to a new API key that makes client-side tokens.
 */
export async function readyAccount(account, catalog) {
  await admin('POST', '/accounts', { name: account });
  await admin('POST', `/accounts/${account}/reset`);
  const stored = await admin('GET', `/accounts/${account}/catalog?environment=sandbox`);
  if (!stored.prices.some((price) => price.id === catalog.prices[0].id)) {
    await admin('POST', `/accounts/${account}/catalog`, { environment: 'sandbox', ...catalog });
  }
  const key = { environment: 'sandbox', permissions: ['client_token.write'] };
  return (await admin('POST', `/accounts/${account}/api-keys`, key)).key;
}

/** Answers Paddle's CDN URL, in `page`, with the stand-in paddock serves. */
export async function useTheStandIn(page) {
  const shim = await (await fetch(`${PADDOCK_URL}/paddle/v2/paddle.js`)).text();
  await page.route('https://cdn.paddle.com/paddle/v2/paddle.js', (route) =>
    route.fulfill({ contentType: 'text/javascript', body: shim }));
}
