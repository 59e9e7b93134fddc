// A pricing page that uses @paddle/paddle-js, tested against paddock: the
// browser gets paddock's Paddle.js stand-in in place of Paddle's CDN script.
import { test, expect } from '@playwright/test';
import { serveShop } from './serve.js';
import { call, readyAccount, useTheStandIn } from './paddock.js';

// The ids the frontend hard-codes, as it does its sandbox ids.
const PRODUCT = 'pro_01jshop00000000000000seats';
const PRICE = 'pri_01jshop00000000000000seats';

let shop;
let apiKey;

test.beforeAll(async () => {
  shop = await serveShop();
  apiKey = await readyAccount('playwright-shop', {
    products: [{ id: PRODUCT, name: 'Team seats', tax_category: 'standard' }],
    prices: [{
      id: PRICE, product_id: PRODUCT, description: 'Per seat, monthly',
      unit_price: { amount: '3000', currency_code: 'USD' },
      billing_cycle: { interval: 'month', frequency: 1 },
    }],
  });
});

test.afterAll(() => shop.close());

test.beforeEach(({ page }) => useTheStandIn(page));

test('the page prices two seats, and is refused once its token is revoked', async ({ page }) => {
  const token = await call('POST', '/client-tokens', apiKey, { name: 'Pricing page' });
  await page.goto(`${shop.url}/?token=${token.token}&price=${PRICE}`);
  await expect(page.locator('#total')).toHaveText('$60.00');

  await call('PATCH', `/client-tokens/${token.id}`, apiKey, { status: 'revoked' });
  await page.click('#refresh');
  await expect(page.locator('#refused')).toHaveText('invalid_client_token');
});
