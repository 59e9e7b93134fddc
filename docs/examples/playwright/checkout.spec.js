// A purchase through paddock's test-mode checkout: the page opens it with
// @paddle/paddle-js, the test fills it in by its data-testid selectors and
// pays with Paddle's success test card, the page moves to its thank-you
// page, and the app's backend receives transaction.completed, signed.
import { test, expect } from '@playwright/test';
import { serveShop } from './serve.js';
import { admin, call, readyAccount, useTheStandIn } from './paddock.js';
import { receiveWebhooks } from './webhooks.js';

const ACCOUNT = 'playwright-checkout';
const PRODUCT = 'pro_01jshop0000000000000kit000';
const KIT = 'pri_01jshop0000000000000setup0';

let shop;
let apiKey;
let backend;

test.beforeAll(async () => {
  shop = await serveShop();
  apiKey = await readyAccount(ACCOUNT, {
    products: [{ id: PRODUCT, name: 'Starter kit', tax_category: 'standard' }],
    prices: [{
      id: KIT, product_id: PRODUCT, description: 'Starter kit, once',
      unit_price: { amount: '1999', currency_code: 'USD' },
    }],
  });
  // One notification setting, to this run's backend (a reset keeps settings).
  const settings = `/accounts/${ACCOUNT}/notification-settings`;
  for (const old of await admin('GET', settings)) {
    await admin('DELETE', `/notification-settings/${old.id}`);
  }
  backend = await receiveWebhooks();
  const setting = await admin('POST', settings, {
    destination: backend.url, subscribed_events: ['transaction.completed'],
  });
  backend.secret = setting.endpoint_secret_key;
});

test.afterAll(async () => {
  await shop.close();
  await backend.close();
});

test.beforeEach(({ page }) => useTheStandIn(page));

test('a customer buys the kit with the test card; thank-you page and webhook', async ({ page }) => {
  const token = await call('POST', '/client-tokens', apiKey, { name: 'Checkout page' });
  await page.goto(`${shop.url}/?token=${token.token}&kit=${KIT}`);
  await page.click('#buy');

  // paddock's checkout page, in Paddle's iframe, on paddock's origin.
  const checkout = page.frameLocator('iframe[data-testid="paddock-checkout-frame"]');
  await expect(checkout.getByTestId('test-mode')).toContainText('Test mode');
  await expect(checkout.getByTestId('total')).toContainText('$19.99');
  await checkout.getByTestId('email').fill('ada@example.com');
  await checkout.getByTestId('country').selectOption('US');
  await checkout.getByTestId('postcode').fill('10001');
  await checkout.getByTestId('continue').click();
  await checkout.getByTestId('card-number').fill('4242 4242 4242 4242');
  await checkout.getByTestId('card-expiry').fill('12/30');
  await checkout.getByTestId('card-cvv').fill('123');
  await checkout.getByTestId('card-name').fill('Ada Lovelace');
  await checkout.getByTestId('pay').click();

  await expect(page).toHaveURL(`${shop.url}/thanks`);
  await expect(page.locator('h1')).toHaveText('Thank you for your order');

  const completed = await backend.next('transaction.completed');
  expect(completed.data.status).toBe('completed');
  expect(completed.data.items[0].price_id).toBe(KIT);
  expect(completed.data.details.totals.grand_total).toBe('1999');
  expect(completed.data.customer_id).toMatch(/^ctm_/);
  expect(completed.data.payments[0].method_details.card.last4).toBe('4242');
});
