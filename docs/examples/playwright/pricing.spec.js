// A pricing page that uses @paddle/paddle-js, tested against paddock: the
// browser gets paddock's Paddle.js stand-in in place of Paddle's CDN script.
import { test, expect } from '@playwright/test';
import { serveShop } from './serve.js';

const PADDOCK_URL = process.env.PADDOCK_URL ?? 'http://127.0.0.1:8080';
const ADMIN_TOKEN = process.env.PADDOCK_ADMIN_TOKEN;
const ACCOUNT = 'playwright-shop';
// The ids the frontend hard-codes, as it does its sandbox ids.
const PRODUCT = 'pro_01jshop00000000000000seats';
const PRICE = 'pri_01jshop00000000000000seats';

/** Calls paddock with `key` as the Bearer; returns the answer's `data`. */
async function call(method, path, key, body) {
  const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
  const response = await fetch(PADDOCK_URL + path, { method, headers, body: JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(answer)}`);
  return answer.data;
}
const admin = (method, path, body) => call(method, `/__paddock${path}`, ADMIN_TOKEN, body);

let shop;
let apiKey;

test.beforeAll(async () => {
  shop = await serveShop();
  await admin('POST', '/accounts', { name: ACCOUNT });
  await admin('POST', `/accounts/${ACCOUNT}/reset`);
  // A reset keeps the catalog: load it the first time only.
  const catalog = await admin('GET', `/accounts/${ACCOUNT}/catalog?environment=sandbox`);
  if (!catalog.prices.some((price) => price.id === PRICE)) {
    await admin('POST', `/accounts/${ACCOUNT}/catalog`, {
      environment: 'sandbox',
      products: [{ id: PRODUCT, name: 'Team seats', tax_category: 'standard' }],
      prices: [{
        id: PRICE, product_id: PRODUCT, description: 'Per seat, monthly',
        unit_price: { amount: '3000', currency_code: 'USD' },
        billing_cycle: { interval: 'month', frequency: 1 },
      }],
    });
  }
  const key = { environment: 'sandbox', permissions: ['client_token.write'] };
  apiKey = (await admin('POST', `/accounts/${ACCOUNT}/api-keys`, key)).key;
});

test.afterAll(() => shop.close());

test.beforeEach(async ({ page }) => {
  // Paddle's CDN URL, answered with the stand-in paddock serves.
  const shim = await (await fetch(`${PADDOCK_URL}/paddle/v2/paddle.js`)).text();
  await page.route('https://cdn.paddle.com/paddle/v2/paddle.js', (route) =>
    route.fulfill({ contentType: 'text/javascript', body: shim }));
});

test('the page prices two seats, and is refused once its token is revoked', async ({ page }) => {
  const token = await call('POST', '/client-tokens', apiKey, { name: 'Pricing page' });
  await page.goto(`${shop.url}/?token=${token.token}&price=${PRICE}`);
  await expect(page.locator('#total')).toHaveText('$60.00');

  await call('PATCH', `/client-tokens/${token.id}`, apiKey, { status: 'revoked' });
  await page.click('#refresh');
  await expect(page.locator('#refused')).toHaveText('invalid_client_token');
});
