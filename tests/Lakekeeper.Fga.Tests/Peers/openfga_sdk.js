// Drives the OpenFGA-compatible API with OpenFGA's own JavaScript SDK (@openfga/sdk), unchanged, and a
// model written in the DSL (converted by @openfga/syntax-transformer). Asserts as it goes; prints one
// "ok <step>" line per step and exits non-zero on the first failure.
// Usage: node openfga_sdk.js <api-url> <api-key>
'use strict';
const assert = require('node:assert/strict');
const { OpenFgaClient, CredentialsMethod, FgaApiValidationError, FgaApiNotFoundError, FgaApiAuthenticationError } = require('@openfga/sdk');
const { transformer } = require('@openfga/syntax-transformer');

const [apiUrl, apiKey] = process.argv.slice(2);
const credentials = { method: CredentialsMethod.ApiToken, config: { token: apiKey } };
const noRetry = { maxRetry: 0, minWaitInMs: 10 };

const dsl = `model
  schema 1.1

type user

type group
  relations
    define member: [user, group#member]

type folder
  relations
    define parent: [folder]
    define owner: [user]
    define viewer: [user, user:*, group#member] or owner or viewer from parent

type document
  relations
    define parent: [folder]
    define blocked: [user]
    define viewer: [user, group#member] or viewer from parent
    define can_read: viewer but not blocked
`;

async function main() {
  const admin = new OpenFgaClient({ apiUrl, credentials, retryParams: noRetry });

  const store = await admin.createStore({ name: 'sdk-store' });
  assert.match(store.id, /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
  assert.equal(store.name, 'sdk-store');
  const fga = new OpenFgaClient({ apiUrl, credentials, storeId: store.id, retryParams: noRetry });
  assert.equal((await fga.getStore()).name, 'sdk-store');
  const listed = await admin.listStores({ pageSize: 100 });
  assert.ok(listed.stores.some(s => s.id === store.id));
  console.log('ok stores');

  const written = await fga.writeAuthorizationModel(transformer.transformDSLToJSONObject(dsl));
  assert.match(written.authorization_model_id, /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
  fga.authorizationModelId = written.authorization_model_id;
  const latest = await fga.readLatestAuthorizationModel();
  assert.equal(latest.authorization_model.id, written.authorization_model_id);
  assert.deepEqual(latest.authorization_model.type_definitions.map(t => t.type), ['user', 'group', 'folder', 'document']);
  console.log('ok model');

  await fga.write({
    writes: [
      { user: 'user:anne', relation: 'member', object: 'group:eng' },
      { user: 'group:eng#member', relation: 'viewer', object: 'folder:plans' },
      { user: 'folder:plans', relation: 'parent', object: 'document:roadmap' },
      { user: 'folder:plans', relation: 'parent', object: 'document:budget' },
      { user: 'user:bob', relation: 'owner', object: 'folder:bobs' },
      { user: 'folder:bobs', relation: 'parent', object: 'document:notes' },
      { user: 'user:*', relation: 'viewer', object: 'folder:public' },
      { user: 'folder:public', relation: 'parent', object: 'document:handbook' },
      { user: 'user:anne', relation: 'blocked', object: 'document:budget' },
    ],
  });
  const read = await fga.read({ object: 'document:roadmap' });
  assert.deepEqual(read.tuples.map(t => t.key), [{ user: 'folder:plans', relation: 'parent', object: 'document:roadmap' }]);
  assert.ok(!Number.isNaN(Date.parse(read.tuples[0].timestamp)));
  console.log('ok write and read');

  const check = async (user, relation, object, extra = {}) => (await fga.check({ user, relation, object, ...extra })).allowed;
  assert.equal(await check('user:anne', 'viewer', 'document:roadmap'), true);
  assert.equal(await check('user:anne', 'can_read', 'document:roadmap'), true);
  assert.equal(await check('user:anne', 'can_read', 'document:budget'), false);
  assert.equal(await check('user:bob', 'viewer', 'document:roadmap'), false);
  assert.equal(await check('user:bob', 'viewer', 'document:notes'), true);
  assert.equal(await check('user:zed', 'viewer', 'document:handbook'), true);
  assert.equal(await check('user:zed', 'viewer', 'document:notes', {
    contextualTuples: [{ user: 'user:zed', relation: 'owner', object: 'folder:bobs' }],
  }), true);
  assert.equal(await check('user:zed', 'viewer', 'document:notes'), false);
  console.log('ok check');

  const batch = await fga.batchCheck({
    checks: [
      { user: 'user:anne', relation: 'viewer', object: 'document:budget', correlationId: 'a' },
      { user: 'user:bob', relation: 'viewer', object: 'document:budget', correlationId: 'b' },
      { user: 'user:anne', relation: 'no_such_relation', object: 'document:budget', correlationId: 'c' },
    ],
  });
  const byId = Object.fromEntries(batch.result.map(r => [r.correlationId, r]));
  assert.equal(byId.a.allowed, true);
  assert.equal(byId.b.allowed, false);
  assert.equal(byId.c.allowed, false);
  assert.ok(byId.c.error, 'an invalid question carries its error');
  console.log('ok batch check');

  const objects = await fga.listObjects({ user: 'user:anne', relation: 'viewer', type: 'document' });
  assert.deepEqual(objects.objects.sort(), ['document:budget', 'document:handbook', 'document:roadmap']);
  const readable = await fga.listObjects({ user: 'user:anne', relation: 'can_read', type: 'document' });
  assert.deepEqual(readable.objects.sort(), ['document:handbook', 'document:roadmap']);
  console.log('ok list objects');

  const users = await fga.listUsers({ object: { type: 'document', id: 'roadmap' }, relation: 'viewer', user_filters: [{ type: 'user' }] });
  assert.deepEqual(users.users, [{ object: { type: 'user', id: 'anne' } }]);
  const groups = await fga.listUsers({ object: { type: 'document', id: 'roadmap' }, relation: 'viewer', user_filters: [{ type: 'group', relation: 'member' }] });
  assert.deepEqual(groups.users, [{ userset: { type: 'group', id: 'eng', relation: 'member' } }]);
  const everyone = await fga.listUsers({ object: { type: 'document', id: 'handbook' }, relation: 'viewer', user_filters: [{ type: 'user' }] });
  assert.deepEqual(everyone.users, [{ wildcard: { type: 'user' } }]);
  console.log('ok list users');

  await fga.write({ deletes: [{ user: 'user:anne', relation: 'member', object: 'group:eng' }] });
  assert.equal(await check('user:anne', 'viewer', 'document:roadmap'), false);
  console.log('ok revoke');

  await assert.rejects(fga.write({ writes: [{ user: 'user:bob', relation: 'owner', object: 'folder:bobs' }] }), (e) =>
    e instanceof FgaApiValidationError && e.apiErrorCode === 'write_failed_due_to_invalid_input');
  await assert.rejects(fga.write({ deletes: [{ user: 'user:nobody', relation: 'owner', object: 'folder:bobs' }] }), (e) =>
    e instanceof FgaApiValidationError && e.apiErrorCode === 'write_failed_due_to_invalid_input');
  await fga.write({ writes: [{ user: 'user:bob', relation: 'owner', object: 'folder:bobs' }] },
    { conflict: { onDuplicateWrites: 'ignore' } });
  await assert.rejects(fga.write({ writes: [{ user: 'group:eng#member', relation: 'owner', object: 'folder:x' }] }), (e) =>
    e instanceof FgaApiValidationError && e.apiErrorCode === 'validation_error' && /allowed type restriction/.test(e.apiErrorMessage));
  await assert.rejects(fga.write({ writes: [{ user: 'anne', relation: 'owner', object: 'folder:x' }] }), (e) =>
    e instanceof FgaApiValidationError && e.apiErrorCode === 'invalid_tuple');
  await assert.rejects(fga.check({ user: 'user:anne', relation: 'viewer', object: 'spaceship:x' }), (e) =>
    e instanceof FgaApiValidationError && e.apiErrorCode === 'validation_error');
  const conditional = transformer.transformDSLToJSONObject(`model
  schema 1.1
type user
type doc
  relations
    define viewer: [user with in_office]
condition in_office(ip: ipaddress) {
  ip.in_cidr("10.0.0.0/8")
}
`);
  await assert.rejects(fga.writeAuthorizationModel(conditional), (e) =>
    e instanceof FgaApiValidationError && /conditions are not supported/.test(e.apiErrorMessage));
  const missing = new OpenFgaClient({ apiUrl, credentials, storeId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', retryParams: noRetry });
  await assert.rejects(missing.getStore(), (e) => e instanceof FgaApiNotFoundError && e.apiErrorCode === 'store_id_not_found');
  const stranger = new OpenFgaClient({ apiUrl, storeId: store.id, retryParams: noRetry,
    credentials: { method: CredentialsMethod.ApiToken, config: { token: 'not-the-key-at-all' } } });
  await assert.rejects(stranger.getStore(), (e) => e instanceof FgaApiAuthenticationError);
  console.log('ok errors');

  await fga.deleteStore();
  await assert.rejects(fga.getStore(), (e) => e instanceof FgaApiNotFoundError);
  console.log('ok delete store');
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  if (error && error.apiErrorMessage) {
    console.error('api error:', error.apiErrorCode, error.apiErrorMessage);
  }
  process.exit(1);
});
