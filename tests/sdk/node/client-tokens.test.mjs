// @paddle/paddle-node-sdk against paddock: assertions on what the SDK parsed.
// Needs PADDOCK_URL and PADDOCK_ADMIN_TOKEN (see tests/sdk/run.sh).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { ApiError, Paddle } from '@paddle/paddle-node-sdk';

const BASE_URL = process.env.PADDOCK_URL;
const ADMIN_TOKEN = process.env.PADDOCK_ADMIN_TOKEN;
const BOTH = ['client_token.read', 'client_token.write'];

async function admin(method, path, body) {
  const response = await fetch(`${BASE_URL}/__paddock${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `admin ${method} ${path}: ${response.status}`);
  return (await response.json()).data;
}

/** A client for a new key in an account of this test's own. The SDK's
 * `environment` option takes a base URL. */
async function paddle({ permissions = BOTH, environment = 'sandbox' } = {}) {
  const account = `node-${randomUUID().slice(0, 12)}`;
  const { key } = await admin('POST', `/accounts/${account}/api-keys`, { environment, permissions });
  return new Paddle(key, { environment: BASE_URL });
}

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected an ApiError');
}

async function all(collection) {
  const items = [];
  for await (const item of collection) items.push(item);
  return items;
}

test('create without and with a description, then get', async () => {
  const client = await paddle();
  const plain = await client.clientTokens.create({ name: 'Pricing page' });
  assert.match(plain.id, /^ctkn_[a-z\d]{26}$/);
  assert.match(plain.token, /^test_[a-f\d]{27}$/);
  assert.equal(plain.name, 'Pricing page');
  assert.equal(plain.description, null);
  assert.equal(plain.status, 'active');
  assert.equal(plain.revokedAt, null);
  assert.equal(plain.createdAt, plain.updatedAt);
  assert.match(plain.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

  const described = await client.clientTokens.create({ name: 'Checkout', description: 'On example.com' });
  assert.equal(described.description, 'On example.com');
  assert.deepEqual(await client.clientTokens.get(described.id), described);
});

test('live keys make live tokens', async () => {
  const client = await paddle({ environment: 'live' });
  const token = await client.clientTokens.create({ name: 'Live' });
  assert.match(token.token, /^live_[a-f\d]{27}$/);
});

test("the SDK's collection walks every page", async () => {
  const client = await paddle();
  const created = [];
  for (let n = 0; n < 7; n++) created.push((await client.clientTokens.create({ name: `token ${n}` })).id);
  const ascending = await all(client.clientTokens.list({ perPage: 3, orderBy: 'id[ASC]' }));
  assert.deepEqual(ascending.map((t) => t.id), created);
  const descending = await all(client.clientTokens.list({ perPage: 2 }));
  assert.deepEqual(descending.map((t) => t.id), [...created].reverse());
});

test('status filter and revoke', async () => {
  const client = await paddle();
  const kept = await client.clientTokens.create({ name: 'stays' });
  const gone = await client.clientTokens.create({ name: 'goes' });
  const revoked = await client.clientTokens.revoke(gone.id);
  assert.equal(revoked.status, 'revoked');
  assert.ok(revoked.revokedAt);
  assert.equal(revoked.revokedAt, revoked.updatedAt);
  const ids = async (query) => (await all(client.clientTokens.list(query))).map((t) => t.id);
  assert.deepEqual(await ids({ status: ['revoked'] }), [gone.id]);
  assert.deepEqual(await ids({ status: ['active', 'revoked'], orderBy: 'id[ASC]' }), [kept.id, gone.id]);
  assert.deepEqual(await ids({}), [kept.id]);
});

test('not found', async () => {
  const client = await paddle();
  const error = await rejection(client.clientTokens.get('ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x'));
  assert.ok(error instanceof ApiError);
  assert.equal(error.type, 'request_error');
  assert.equal(error.code, 'not_found');
  assert.equal(error.detail, 'Entity ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x not found');
  assert.equal(error.documentationUrl, 'https://developer.paddle.com/v1/errors/shared/not_found');
});

test('schema errors carry field errors', async () => {
  // Paddle answers a body that fails its schema with bad_request, in a
  // JSON-schema validator's words.
  const client = await paddle();
  const error = await rejection(client.clientTokens.create({ name: 'x'.repeat(151), description: '' }));
  assert.ok(error instanceof ApiError);
  assert.equal(error.type, 'request_error');
  assert.equal(error.code, 'bad_request');
  assert.equal(error.detail, 'Invalid request.');
  assert.equal(error.documentationUrl, 'https://developer.paddle.com/v1/errors/shared/bad_request');
  assert.deepEqual(error.errors, [
    { field: 'name', message: 'String length must be less than or equal to 150' },
    { field: 'description', message: 'String length must be greater than or equal to 1' },
  ]);
});

test('a read-only key is forbidden to write', async () => {
  const reader = await paddle({ permissions: ['client_token.read'] });
  const error = await rejection(reader.clientTokens.create({ name: 'nope' }));
  assert.ok(error instanceof ApiError);
  assert.equal(error.code, 'forbidden');
  assert.deepEqual(await all(reader.clientTokens.list()), []);
});

test('unknown and malformed keys', async () => {
  for (const [key, code] of [
    ['pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_NotAKeyOfAnyone', 'invalid_token'],
    ['not-a-paddle-key', 'authentication_malformed'],
  ]) {
    const client = new Paddle(key, { environment: BASE_URL });
    const error = await rejection(client.clientTokens.get('ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x'));
    assert.ok(error instanceof ApiError, `${key}`);
    assert.equal(error.code, code);
  }
});
