import { catalog, mgmt, SEP, type Field, type IcebergType, type Schema, type Snapshot, type TableMetadata } from '../api'
import { heading, type PageContext } from '../app'
import { lineChart } from '../chart'
import { h, replace, type Child } from '../dom'
import { bytes, code, confirmButton, empty, facts, notice, region, table, tabs, time } from '../ui'
import { connectSnippets } from './connect'
import { nsPath, nsText } from './namespaces'

export function tablePage(ctx: PageContext): void {
  const [wid, nsJoined, name] = ctx.params
  const ns = nsJoined.split(SEP)
  const body = h('div')
  ctx.main.append(body)
  const crumbs: [string, string][] = [['Warehouses', '/warehouses'], ['Warehouse', `/warehouses/${wid}`], [nsText(ns), `/warehouses/${wid}/namespaces/${nsPath(ns)}`]]
  const warehouse = mgmt.warehouse(wid).catch(() => null)
  void region(body, 'the table', () => catalog.table(wid, ns, name), async loaded => {
    const w = await warehouse
    if (w) crumbs[1] = [w.name, `/warehouses/${wid}`]
    return renderTable(ctx, wid, w?.name ?? wid, ns, name, loaded.metadata, loaded['metadata-location'] ?? null, crumbs)
  }).then(() => {
    if (!body.querySelector('h1')) body.prepend(heading(ctx, name, crumbs))
  })
}

export function renderTable(ctx: PageContext, wid: string, warehouseName: string, ns: string[], name: string, m: TableMetadata, metadataLocation: string | null, crumbs: [string, string][]): Child {
  const result = notice()
  const schemas = m.schemas ?? (m.schema ? [m.schema] : [])
  const schema = schemas.find(x => x['schema-id'] === m['current-schema-id']) ?? schemas[schemas.length - 1]
  const snapshots = [...(m.snapshots ?? [])].sort((a, b) => a['timestamp-ms'] - b['timestamp-ms'])
  const current = snapshots.find(x => x['snapshot-id'] === m['current-snapshot-id'])
  const drop = confirmButton('Drop table', `Drop the table ${nsText(ns)}.${name}? With a soft delete profile it can be undropped until it expires.`, async () => {
    await catalog.dropTable(wid, ns, name)
    ctx.go(`/warehouses/${wid}/namespaces/${nsPath(ns)}`)
  }, result.fail)
  const perms = h('a', { class: 'button', href: `${ctx.base}/permissions/warehouse/${wid}/table/${m['table-uuid']}` }, 'Permissions')
  return [
    heading(ctx, name, crumbs, h('div', { class: 'actions' }, perms, drop)),
    result.el,
    facts([
      ['Table uuid', h('code', null, m['table-uuid'])], ['Format version', m['format-version']], ['Location', h('code', null, m.location)],
      ['Last updated', time(m['last-updated-ms'])], ['Snapshots', snapshots.length],
      ['Current snapshot', current ? `${current['snapshot-id']} (${current.summary?.operation ?? '—'}, ${time(current['timestamp-ms'])})` : 'none'],
      ['Metadata file', metadataLocation ? h('code', null, metadataLocation) : '—'],
    ]),
    tabs('Table details', [
      { id: 'schema', title: 'Schema', render: () => [schema ? schemaTable(schema) : empty('No schema.'), partitionAndSort(m, schema)] },
      { id: 'snapshots', title: 'Snapshots', render: () => snapshotsPanel(snapshots) },
      { id: 'refs', title: 'Branches and tags', render: () => refsPanel(m) },
      { id: 'properties', title: 'Properties', render: () => propertiesTable(m.properties ?? {}) },
      { id: 'metadata-log', title: 'Metadata log', render: () => metadataLog(m) },
      { id: 'raw', title: 'Raw metadata', render: () => h('details', { class: 'raw' }, h('summary', null, 'Show the metadata JSON'), code(JSON.stringify(m, null, 2), 'Table metadata JSON')) },
      { id: 'connect', title: 'Connect', render: () => connectSnippets(ctx, warehouseName, `${nsText(ns)}.${name}`) },
    ], ctx.hash),
  ]
}

export function typeText(t: IcebergType): string {
  if (typeof t === 'string') return t
  if (t.type === 'struct') return 'struct'
  if (t.type === 'list') return `list<${typeText(t.element)}>`
  return `map<${typeText(t.key)}, ${typeText(t.value)}>`
}

export function schemaTable(schema: Schema): HTMLElement {
  const rows: Child[][] = []
  const identifiers = new Set(schema['identifier-field-ids'] ?? [])
  const walk = (t: IcebergType, depth: number) => {
    if (typeof t === 'string') return
    if (t.type === 'struct') for (const f of t.fields) fieldRow(f, depth)
    else if (t.type === 'list') { row(t['element-id'], 'element', t.element, t['element-required'], undefined, depth); walk(t.element, depth + 1) }
    else { row(t['key-id'], 'key', t.key, true, undefined, depth); walk(t.key, depth + 1); row(t['value-id'], 'value', t.value, t['value-required'], undefined, depth); walk(t.value, depth + 1) }
  }
  const row = (id: number, name: string, t: IcebergType, required: boolean, doc: string | undefined, depth: number) => {
    rows.push([String(id), h('span', { class: `depth depth-${Math.min(depth, 6)}` }, name, identifiers.has(id) ? ' (identifier)' : ''), h('code', null, typeText(t)), required ? 'required' : 'optional', doc ?? ''])
  }
  const fieldRow = (f: Field, depth: number) => { row(f.id, f.name, f.type, f.required, f.doc, depth); walk(f.type, depth + 1) }
  walk(schema, 0)
  return h('section', { 'aria-label': 'Schema' }, h('h2', null, `Schema ${schema['schema-id']}`), table('Schema fields', ['Id', 'Name', 'Type', 'Required', 'Doc'], rows))
}

function partitionAndSort(m: TableMetadata, schema: Schema | undefined): Child {
  const nameOf = (id: number) => schema?.fields.find(f => f.id === id)?.name ?? `field ${id}`
  const spec = m['partition-specs']?.find(s => s['spec-id'] === m['default-spec-id'])
  const order = m['sort-orders']?.find(s => s['order-id'] === m['default-sort-order-id'])
  return [
    h('h2', null, 'Partition spec'),
    spec && spec.fields.length ? table('Partition fields', ['Name', 'Source', 'Transform'], spec.fields.map(f => [f.name, nameOf(f['source-id']), f.transform])) : h('p', null, 'Unpartitioned.'),
    h('h2', null, 'Sort order'),
    order && order.fields.length ? table('Sort fields', ['Source', 'Transform', 'Direction', 'Nulls'], order.fields.map(f => [nameOf(f['source-id']), f.transform, f.direction, f['null-order']])) : h('p', null, 'Unsorted.'),
  ]
}

const num = (s: Snapshot, key: string): number | null => {
  const v = s.summary?.[key]
  const n = v === undefined ? NaN : Number(v)
  return Number.isFinite(n) ? n : null
}

export function snapshotsPanel(snapshots: Snapshot[]): Child {
  if (snapshots.length === 0) return empty('No snapshots: the table has no data yet.')
  const series = (key: string) => snapshots.flatMap(s => { const v = num(s, key); return v === null ? [] : [{ x: s['timestamp-ms'], y: v }] })
  const newestFirst = [...snapshots].reverse()
  const PAGE = 100
  const listBox = h('div')
  const renderList = (count: number) => {
    const rows = newestFirst.slice(0, count).map(s => [
      h('code', null, String(s['snapshot-id'])), time(s['timestamp-ms']), s.summary?.operation ?? '—',
      s['parent-snapshot-id'] !== undefined ? String(s['parent-snapshot-id']) : '—',
      num(s, 'total-records')?.toLocaleString('en') ?? '—', num(s, 'total-data-files')?.toLocaleString('en') ?? '—',
      (() => { const v = num(s, 'total-files-size'); return v === null ? '—' : bytes(v) })(),
    ])
    replace(listBox, table('Snapshots, newest first', ['Snapshot', 'Time', 'Operation', 'Parent', 'Records', 'Data files', 'Size'], rows),
      count < newestFirst.length ? h('button', { type: 'button', onclick: () => renderList(newestFirst.length) }, `Show all ${newestFirst.length} snapshots`) : null)
  }
  renderList(PAGE)
  return [
    h('div', { class: 'charts' },
      lineChart('Records over time', [{ name: 'Total records', points: series('total-records') }]),
      lineChart('Data files over time', [{ name: 'Total data files', points: series('total-data-files') }]),
      lineChart('Size over time', [{ name: 'Total file size', points: series('total-files-size') }], bytes)),
    h('h2', null, 'History'),
    listBox,
  ]
}

function refsPanel(m: TableMetadata): Child {
  const refs = Object.entries(m.refs ?? {})
  if (refs.length === 0) return empty('No branches or tags.')
  return table('Branches and tags', ['Name', 'Type', 'Snapshot', 'Retention'], refs.map(([name, r]) => [name, r.type, h('code', null, String(r['snapshot-id'])),
    [r['min-snapshots-to-keep'] !== undefined ? `keep ≥ ${r['min-snapshots-to-keep']}` : '', r['max-snapshot-age-ms'] !== undefined ? `snapshots ≤ ${r['max-snapshot-age-ms']} ms` : '', r['max-ref-age-ms'] !== undefined ? `ref ≤ ${r['max-ref-age-ms']} ms` : ''].filter(Boolean).join(', ') || '—']))
}

export function propertiesTable(props: Record<string, string>): Child {
  const entries = Object.entries(props)
  return entries.length === 0 ? empty('No properties.') : table('Properties', ['Key', 'Value'], entries.map(([k, v]) => [k, v]))
}

function metadataLog(m: TableMetadata): Child {
  const log = [...(m['metadata-log'] ?? [])].reverse()
  return log.length === 0 ? empty('No earlier metadata files.') : table('Metadata log, newest first', ['Time', 'Metadata file'], log.map(e => [time(e['timestamp-ms']), h('code', null, e['metadata-file'])]))
}
