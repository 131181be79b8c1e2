// A real third-party client (iceberg-js) drives a table through its life against a running catalog:
// namespace, table, schema change, snapshot append, conditional load, rename, drop.
// Usage: node iceberg-js-lifecycle.mjs <catalog base url> <warehouse> <suffix> [bearer token]
// Prints one JSON object with what it observed; exits non-zero on the first failure.
import { IcebergRestCatalog, IcebergError } from 'iceberg-js'
import assert from 'node:assert/strict'

const [baseUrl, warehouse, suffix, token] = process.argv.slice(2)
const catalog = new IcebergRestCatalog({ baseUrl, warehouse, ...(token ? { auth: { type: 'bearer', token } } : {}) })
const ns = { namespace: [`e2e_${suffix}`, 'nested level'] }
const observed = {}

await catalog.createNamespace({ namespace: [ns.namespace[0]] }, { properties: { owner: 'e2e' } })
await catalog.createNamespace(ns)
observed.namespaces = (await catalog.listNamespaces({ parent: { namespace: [ns.namespace[0]] } })).namespaces.map(n => n.namespace)

const created = await catalog.createTable(ns, {
  name: 'events',
  schema: { type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', type: 'long', required: true },
    { id: 2, name: 'ts', type: 'timestamptz', required: false } ] },
  'partition-spec': { 'spec-id': 0, fields: [{ name: 'ts_day', transform: 'day', 'source-id': 2, 'field-id': 1000 }] },
  'write-order': { 'order-id': 0, fields: [] },
})
const table = { ...ns, name: 'events' }
assert.equal(created['current-schema-id'], 0)

// Schema evolution: add a column, make it current.
await catalog.updateTable(table, {
  requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }, { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 2 }],
  updates: [
    { action: 'add-schema', schema: { type: 'struct', 'schema-id': 1, fields: [
      { id: 1, name: 'id', type: 'long', required: true },
      { id: 2, name: 'ts', type: 'timestamptz', required: false },
      { id: 3, name: 'payload', type: 'string', required: false } ] } },
    { action: 'set-current-schema', 'schema-id': -1 } ],
})

// Append a snapshot and move main to it.
const snapshotId = 4242
await catalog.updateTable(table, {
  requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null }],
  updates: [
    { action: 'add-snapshot', snapshot: { 'snapshot-id': snapshotId, 'sequence-number': 1, 'timestamp-ms': Date.now(),
      'manifest-list': `${created.location}/metadata/snap-${snapshotId}.avro`, summary: { operation: 'append' }, 'schema-id': 1 } },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId } ],
})

const result = await catalog.loadTableResult(table)
const metadata = result.metadata
observed.currentSchemaId = metadata['current-schema-id']
observed.currentSnapshotId = metadata['current-snapshot-id']
observed.lastSequenceNumber = metadata['last-sequence-number']
observed.metadataLog = metadata['metadata-log'].length
observed.etag = result.etag ?? null
if (result.etag) {
  observed.notModified = (await catalog.loadTable(table, { ifNoneMatch: result.etag })) === null
}

// A stale commit is refused with 409.
try {
  await catalog.updateTable(table, {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null }],
    updates: [{ action: 'set-properties', updates: { stale: 'yes' } }],
  })
  observed.staleCommit = 'accepted'
} catch (e) {
  observed.staleCommit = e instanceof IcebergError ? e.status : String(e)
}

await catalog.renameTable({ source: table, destination: { ...ns, name: 'events_renamed' } })
observed.tablesAfterRename = (await catalog.listTables(ns)).identifiers.map(t => t.name)
try {
  await catalog.loadTable(table)
  observed.oldNameAfterRename = 'found'
} catch (e) {
  observed.oldNameAfterRename = e instanceof IcebergError ? e.status : String(e)
}

await catalog.dropTable({ ...ns, name: 'events_renamed' }, { purge: true })
await catalog.dropNamespace(ns)
await catalog.dropNamespace({ namespace: [ns.namespace[0]] })
observed.namespacesAtEnd = (await catalog.listNamespaces()).namespaces.map(n => n.namespace).filter(n => n[0] === ns.namespace[0])
console.log(JSON.stringify(observed))
