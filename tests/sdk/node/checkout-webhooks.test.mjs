// A test-mode checkout's webhooks, judged by @paddle/paddle-node-sdk: every
// transaction, customer and address event paddock sends for a purchase
// passes `paddle.webhooks.unmarshal` (signature and parsing) and comes out
// as the SDK's typed event with its typed entity.
// Needs PADDOCK_URL and PADDOCK_ADMIN_TOKEN (see tests/sdk/run.sh).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { test } from 'node:test';

import {
  AddressCreatedEvent, AddressNotification, AddressUpdatedEvent, CustomerCreatedEvent,
  CustomerNotification, CustomerUpdatedEvent, Paddle, TransactionCompletedEvent,
  TransactionCreatedEvent, TransactionNotification, TransactionPaidEvent,
  TransactionPaymentFailedEvent, TransactionReadyEvent, TransactionUpdatedEvent,
} from '@paddle/paddle-node-sdk';

const BASE_URL = process.env.PADDOCK_URL;
const ADMIN_TOKEN = process.env.PADDOCK_ADMIN_TOKEN;
const PRODUCT = 'pro_01kzvyz95263x6amf3w4cgbqh4';
const MONTHLY = 'pri_01kzvyz9e21z9vbhd7xqq3csyh';
const TYPES = {
  'transaction.created': [TransactionCreatedEvent, TransactionNotification],
  'transaction.updated': [TransactionUpdatedEvent, TransactionNotification],
  'transaction.ready': [TransactionReadyEvent, TransactionNotification],
  'transaction.paid': [TransactionPaidEvent, TransactionNotification],
  'transaction.completed': [TransactionCompletedEvent, TransactionNotification],
  'transaction.payment_failed': [TransactionPaymentFailedEvent, TransactionNotification],
  'customer.created': [CustomerCreatedEvent, CustomerNotification],
  'customer.updated': [CustomerUpdatedEvent, CustomerNotification],
  'address.created': [AddressCreatedEvent, AddressNotification],
  'address.updated': [AddressUpdatedEvent, AddressNotification],
};

async function call(path, { method = 'POST', body, headers = {} } = {}) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text).data;
}

const admin = (method, path, body) =>
  call(`/__paddock${path}`, { method, body, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
const page = (path, data, headers = {}) =>
  call(path, { body: { data }, headers: { Origin: 'http://shop.test', ...headers } });
const card = (number) => ({
  card_number: number, expiry_month: 12, expiry_year: 2099, cvv: '123', cardholder_name: 'Ada Buyer',
});

/** A receiver that unmarshals each webhook with the SDK as it lands (the
 * SDK allows 5 s between signing and checking). */
function receiver(paddle, secret) {
  const events = [];
  const waiting = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', async () => {
      const signature = request.headers['paddle-signature'];
      let result;
      try {
        result = await paddle.webhooks.unmarshal(body, secret.value, signature);
        await assert.rejects(paddle.webhooks.unmarshal(body, 'pdl_ntfset_wrong', signature));
      } catch (error) {
        result = error;
      }
      events.push(result);
      response.writeHead(200).end();
      waiting.splice(0).forEach((wake) => wake());
    });
  });
  const take = async (n) => {
    const deadline = Date.now() + 15000;
    while (events.length < n) {
      assert.ok(Date.now() < deadline, `${n} webhooks within 15 s (got ${events.length})`);
      await new Promise((wake) => { waiting.push(wake); setTimeout(wake, 250); });
    }
    for (const event of events) if (event instanceof Error) throw event;
  };
  return { server, events, take };
}

test('every checkout webhook unmarshals into its typed event', async () => {
  const account = `node-${randomUUID().slice(0, 12)}`;
  await admin('POST', `/accounts/${account}/catalog`, {
    environment: 'sandbox',
    products: [{ id: PRODUCT, name: 'Solo', tax_category: 'saas' }],
    prices: [{
      id: MONTHLY, description: 'Solo, monthly', name: 'Monthly', product_id: PRODUCT,
      billing_cycle: { interval: 'month', frequency: 1 }, tax_mode: 'location',
      unit_price: { amount: '500', currency_code: 'USD' },
    }],
  });
  await admin('PUT', `/accounts/${account}/tax`, { rates: { US: '0.08875' } });
  const { key } = await admin('POST', `/accounts/${account}/api-keys`, {
    environment: 'sandbox', permissions: ['client_token.write'],
  });
  const paddle = new Paddle(key, { environment: BASE_URL });
  const { token } = await paddle.clientTokens.create({ name: 'Storefront' });
  const secret = { value: '' };
  const { server, events, take } = receiver(paddle, secret);
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  try {
    const setting = await admin('POST', `/accounts/${account}/notification-settings`, {
      destination: `http://127.0.0.1:${server.address().port}/webhooks`,
      subscribed_events: Object.keys(TYPES),
    });
    secret.value = setting.endpoint_secret_key;
    const opened = await page('/transaction-checkout', { items: [{ price_id: MONTHLY, quantity: 1 }] }, {
      'Paddle-Clienttoken': token, 'Paddock-Environment': 'sandbox',
    });
    const checkout = `/transaction-checkout/${opened.id}`;
    await page(`${checkout}/customer`, { email: 'buyer@shop.test', address: { country_code: 'US', postal_code: '10001' } });
    await take(5);
    await page(`${checkout}/customer`, { email: 'ada@shop.test', address: { country_code: 'US', postal_code: '10002' } });
    await take(8);
    assert.equal((await page(`${checkout}/pay`, card('4000 0000 0000 0002'))).state, 'open');
    await take(9);
    assert.equal((await page(`${checkout}/pay`, card('4242 4242 4242 4242'))).state, 'completed');
    await take(13);

    events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    assert.deepEqual(new Set(events.map((e) => e.eventType)), new Set(Object.keys(TYPES)));
    for (const event of events) {
      const [eventClass, entityClass] = TYPES[event.eventType];
      assert.ok(event instanceof eventClass, event.eventType);
      assert.ok(event.data instanceof entityClass, event.eventType);
      assert.match(event.eventId, /^evt_[a-z\d]{26}$/);
      assert.match(event.notificationId, /^ntf_[a-z\d]{26}$/);
    }
    const of = (type) => events.filter((e) => e.eventType === type).map((e) => e.data);
    const [done] = of('transaction.completed');
    assert.equal(done.id, opened.transaction_id);
    assert.equal(done.status, 'completed');
    assert.equal(done.origin, 'web');
    assert.equal(done.subscriptionId, null);
    assert.equal(done.collectionMode, 'automatic');
    assert.deepEqual(
      [done.details.totals.subtotal, done.details.totals.tax, done.details.totals.total],
      ['500', '44', '544'],
    );
    assert.deepEqual([done.details.totals.fee, done.details.totals.earnings], ['77', '423']);
    assert.equal(done.details.payoutTotals.feeRate, '0.05');
    assert.equal(done.details.lineItems[0].product.id, PRODUCT);
    assert.equal(done.items[0].price.id, MONTHLY);
    assert.deepEqual(done.payments.map((p) => p.status), ['captured', 'error']);
    assert.equal(done.payments[0].methodDetails.card.last4, '4242');
    assert.equal(done.checkout.url, `http://shop.test?_ptxn=${done.id}`);
    const [failed] = of('transaction.payment_failed');
    assert.equal(failed.status, 'ready');
    assert.equal(failed.payments[0].errorCode, 'declined');
    assert.equal(of('transaction.created')[0].status, 'draft');
    assert.equal(of('transaction.paid')[0].status, 'paid');
    const [created] = of('customer.created');
    assert.equal(of('customer.updated')[0].email, 'ada@shop.test');
    assert.equal(done.customerId, created.id);
    assert.equal(of('address.updated')[0].postalCode, '10002');
    assert.equal(done.addressId, of('address.created')[0].id);
  } finally {
    server.close();
  }
});
