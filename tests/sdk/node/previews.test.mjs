// @paddle/paddle-node-sdk's price and transaction previews against paddock:
// what the SDK parsed. Needs PADDOCK_URL and PADDOCK_ADMIN_TOKEN.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { Paddle } from '@paddle/paddle-node-sdk';

const BASE_URL = process.env.PADDOCK_URL;
const ADMIN_TOKEN = process.env.PADDOCK_ADMIN_TOKEN;
const PRODUCT = 'pro_01kzvyz95263x6amf3w4cgbqh4';
const MONTHLY = 'pri_01kzvyz9e21z9vbhd7xqq3csyh';
const SETUP = 'pri_01kzvyz9e21z9vbhd7xqq3csy1';

async function admin(method, path, body) {
  const response = await fetch(`${BASE_URL}/__paddock${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `admin ${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return (await response.json()).data;
}

/** A client with `transaction.read`, in an account of its own with a
 * $5.00 monthly price and a $199.00 setup fee, and New York's and
 * London's tax rates. */
async function previewer() {
  const account = `node-${randomUUID().slice(0, 12)}`;
  await admin('POST', `/accounts/${account}/catalog`, {
    environment: 'sandbox',
    products: [{ id: PRODUCT, name: 'Solo', tax_category: 'saas' }],
    prices: [
      {
        id: MONTHLY, description: 'Solo, monthly', name: 'Monthly', product_id: PRODUCT,
        billing_cycle: { interval: 'month', frequency: 1 }, tax_mode: 'location',
        unit_price: { amount: '500', currency_code: 'USD' }, quantity: { minimum: 1, maximum: 1 },
      },
      {
        id: SETUP, description: 'Setup', name: 'Setup', product_id: PRODUCT, tax_mode: 'external',
        unit_price: { amount: '19900', currency_code: 'USD' },
      },
    ],
  });
  await admin('PUT', `/accounts/${account}/tax`, { rates: { US: '0.08875', GB: '0.2' } });
  const { key } = await admin('POST', `/accounts/${account}/api-keys`, {
    environment: 'sandbox',
    permissions: ['transaction.read'],
  });
  return new Paddle(key, { environment: BASE_URL });
}

test('preview prices, as recorded in New York', async () => {
  const client = await previewer();
  const preview = await client.pricingPreview.preview({
    items: [{ priceId: MONTHLY, quantity: 1 }],
    address: { countryCode: 'US', postalCode: '10001' },
  });
  assert.equal(preview.currencyCode, 'USD');
  assert.deepEqual([preview.address.postalCode, preview.address.countryCode], ['10001', 'US']);
  const [line] = preview.details.lineItems;
  assert.equal(line.price.id, MONTHLY);
  assert.equal(line.price.taxMode, 'location');
  assert.equal(line.product.id, PRODUCT);
  assert.equal(line.taxRate, '0.08875');
  assert.deepEqual({ ...line.totals }, { subtotal: '500', discount: '0', tax: '44', total: '544' });
  assert.deepEqual({ ...line.formattedTotals }, { subtotal: '$5.00', discount: '$0.00', tax: '$0.44', total: '$5.44' });
  assert.deepEqual(preview.availablePaymentMethods, ['card', 'paypal', 'apple_pay']);
});

test('preview a transaction, leaving an item out of the totals', async () => {
  const client = await previewer();
  const preview = await client.transactions.preview({
    items: [
      { priceId: MONTHLY, quantity: 1 },
      { priceId: SETUP, quantity: 1, includeInTotals: false },
    ],
    address: { countryCode: 'GB', postalCode: 'SW1A 1AA' },
  });
  assert.equal(preview.currencyCode, 'USD');
  assert.equal(preview.ignoreTrials, null); // the SDK reads false as null
  assert.deepEqual(preview.items.map((item) => [item.price.id, item.includeInTotals]), [[MONTHLY, true], [SETUP, false]]);
  const totals = preview.details.totals;
  assert.deepEqual(
    [totals.subtotal, totals.tax, totals.total, totals.grandTotal, totals.fee, totals.earnings],
    ['417', '83', '500', '500', null, null],
  );
  assert.deepEqual(preview.details.taxRatesUsed.map((rate) => rate.taxRate), ['0.2']);
  assert.equal(preview.details.lineItems[1].priceId, SETUP);
  assert.equal(preview.details.lineItems[1].totals.total, '23880');
});

test('a refusal is an ApiError with Paddle\'s code', async () => {
  const client = await previewer();
  await assert.rejects(
    client.pricingPreview.preview({ items: [{ priceId: 'pri_00000000000000000000000000', quantity: 1 }] }),
    (error) => error.code === 'transaction_price_not_found'
      && error.detail === 'One or more provided price_ids could not be found, provided: pri_00000000000000000000000000',
  );
});
