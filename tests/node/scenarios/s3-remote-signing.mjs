// Remote signing with real third-party clients: iceberg-js loads tables with accessDelegation
// ['remote-signing'] and gets the signer config; the AWS SDK for JavaScript (@aws-sdk/client-s3),
// with a custom signer that posts each request to the catalog's sign endpoint, writes, reads, lists
// and deletes a table's objects in the S3 bucket, and is refused outside the table.
// Usage: node s3-remote-signing.mjs <catalog base url> <warehouse> <suffix> [bearer token]
// Prints one JSON object with what it observed; exits non-zero on the first unexpected failure.
import { IcebergRestCatalog } from 'iceberg-js'
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectsCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import assert from 'node:assert/strict'

const [baseUrl, warehouse, suffix, token] = process.argv.slice(2)
const catalog = new IcebergRestCatalog({ baseUrl, warehouse, accessDelegation: ['remote-signing'], ...(token ? { auth: { type: 'bearer', token } } : {}) })
const bearer = token ? { authorization: `Bearer ${token}` } : {}
const ns = { namespace: [`signing_${suffix}`] }
const schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] }
const observed = { signCalls: 0, refusals: [] }

await catalog.createNamespace(ns)
await catalog.createTable(ns, { name: 'a', schema })
await catalog.createTable(ns, { name: 'b', schema })
const a = await catalog.loadTableResult({ ...ns, name: 'a' })
const b = await catalog.loadTableResult({ ...ns, name: 'b' })
const config = a.config
observed.signerConfig = Object.fromEntries(Object.entries(config).filter(([k]) => k.includes('sign')))
observed.remoteSigningConfig = a['remote-signing-config'] ?? null
observed.storageCredentials = (a['storage-credentials'] ?? []).length

// The escaping of @smithy's query builder (what the SDK's HTTP handler sends).
const escape = s => encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
const queryString = query => Object.keys(query ?? {}).sort().flatMap(key => {
  const value = query[key]
  if (value === null || value === undefined) return [escape(key)]
  return (Array.isArray(value) ? value : [value]).map(v => `${escape(key)}=${escape(v)}`)
}).join('&')

class SignerRefused extends Error {
  constructor (status, body) { super(`sign request refused: ${status} ${body}`); this.status = status }
}

// A client whose every request is signed by the catalog at `signUrl`.
function s3ClientSignedBy (signUrl) {
  return new S3Client({
    region: config['client.region'],
    endpoint: config['s3.endpoint'],
    forcePathStyle: config['s3.path-style-access'] === 'true',
    credentials: { accessKeyId: 'none', secretAccessKey: 'none' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    signer: {
      sign: async (request) => {
        const query = queryString(request.query)
        const uri = `${request.protocol}//${request.hostname}${request.port ? ':' + request.port : ''}${request.path}${query ? '?' + query : ''}`
        const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, [String(v)]]))
        const body = typeof request.body === 'string' ? request.body : undefined
        observed.signCalls++
        const response = await fetch(signUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer },
          body: JSON.stringify({ region: config['client.region'], uri, method: request.method, headers, body }),
        })
        if (!response.ok) throw new SignerRefused(response.status, await response.text())
        const signed = await response.json()
        assert.equal(signed.uri, uri)
        request.headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, v.join(',')]))
        return request
      },
    },
  })
}

const tableSigner = new URL(config['s3.signer.endpoint'], config['s3.signer.uri']).toString()
const s3 = s3ClientSignedBy(tableSigner)
const bucket = a.metadata.location.replace(/^s3:\/\//, '').split('/')[0]
const keyOf = (table, path) => `${table.metadata.location.replace(/^s3:\/\/[^/]+\//, '')}/${path}`

// Write, read, list and delete inside table a: each request signed remotely, each reaching the bucket.
const text = `hello from ${suffix}`
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(a, 'data/hello.txt'), Body: text, ContentType: 'text/plain' }))
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(a, 'data/second.txt'), Body: 'two' }))
observed.readBack = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(a, 'data/hello.txt') }))).Body.transformToString()
observed.headLength = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(a, 'data/hello.txt') }))).ContentLength
observed.listed = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(a, 'data/') }))).Contents ?? []).map(o => o.Key.split('/').pop()).sort()
await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: keyOf(a, 'data/second.txt') }], Quiet: true } }))
observed.listedAfterDelete = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(a, 'data/') }))).Contents ?? []).map(o => o.Key.split('/').pop())

async function refusal (what, client, command) {
  try {
    await client.send(command)
    observed.refusals.push({ what, status: 'signed' })
  } catch (e) {
    observed.refusals.push({ what, status: e instanceof SignerRefused ? e.status : String(e) })
  }
}

// Outside any table of the warehouse, and a sibling listing that would reach table b.
const warehouseRoot = a.metadata.location.replace(/^s3:\/\/[^/]+\//, '').split('/').slice(0, -2).join('/')
await refusal('outside every table', s3, new PutObjectCommand({ Bucket: bucket, Key: `${warehouseRoot}/outside.txt`, Body: 'x' }))
await refusal('sibling listing', s3, new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(a, '').slice(0, -2) }))

// The spec's per-table route of table a refuses table b's file.
const prefix = (await (await fetch(`${baseUrl}/v1/config?warehouse=${encodeURIComponent(warehouse)}`, { headers: bearer })).json()).overrides.prefix
const perTable = s3ClientSignedBy(`${baseUrl}/v1/${prefix}/namespaces/${encodeURIComponent(ns.namespace[0])}/tables/a/sign`)
await refusal('table b file through the table a route (write)', perTable, new PutObjectCommand({ Bucket: bucket, Key: keyOf(b, 'data/theirs.txt'), Body: 'b' }))
await refusal('table b file through the table a route (read)', perTable, new GetObjectCommand({ Bucket: bucket, Key: keyOf(b, 'data/theirs.txt') }))
// ... while table a's own file through the same route is signed.
observed.perTableReadBack = await (await perTable.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(a, 'data/hello.txt') }))).Body.transformToString()

await catalog.dropTable({ ...ns, name: 'a' }, { purge: true })
await catalog.dropTable({ ...ns, name: 'b' }, { purge: true })
await catalog.dropNamespace(ns)
console.log(JSON.stringify(observed))
