import { catalog, mgmt, SEP } from '../api'
import { heading, type PageContext } from '../app'
import { h } from '../dom'
import { code, confirmButton, empty, facts, notice, region, table, tabs, time } from '../ui'
import { connectSnippets } from './connect'
import { nsPath, nsText } from './namespaces'
import { propertiesTable, schemaTable } from './table'

export function viewPage(ctx: PageContext): void {
  const [wid, nsJoined, name] = ctx.params
  const ns = nsJoined.split(SEP)
  const body = h('div')
  ctx.main.append(body)
  const crumbs: [string, string][] = [['Warehouses', '/warehouses'], ['Warehouse', `/warehouses/${wid}`], [nsText(ns), `/warehouses/${wid}/namespaces/${nsPath(ns)}`]]
  const warehouse = mgmt.warehouse(wid).catch(() => null)
  const result = notice()
  void region(body, 'the view', () => catalog.view(wid, ns, name), async ({ metadata: m }) => {
    const w = await warehouse
    if (w) crumbs[1] = [w.name, `/warehouses/${wid}`]
    const versions = [...m.versions].sort((a, b) => b['version-id'] - a['version-id'])
    const current = m.versions.find(v => v['version-id'] === m['current-version-id'])
    const schema = m.schemas.find(s => s['schema-id'] === current?.['schema-id']) ?? m.schemas[m.schemas.length - 1]
    return [
      heading(ctx, name, crumbs, h('div', { class: 'actions' },
        h('a', { class: 'button', href: `${ctx.base}/permissions/warehouse/${wid}/view/${m['view-uuid']}` }, 'Permissions'),
        confirmButton('Drop view', `Drop the view ${nsText(ns)}.${name}?`, async () => {
          await catalog.dropView(wid, ns, name)
          ctx.go(`/warehouses/${wid}/namespaces/${nsPath(ns)}`)
        }, result.fail))),
      result.el,
      facts([['View uuid', h('code', null, m['view-uuid'])], ['Format version', m['format-version']], ['Location', h('code', null, m.location)], ['Current version', m['current-version-id']], ['Versions', m.versions.length]]),
      tabs('View details', [
        { id: 'sql', title: 'SQL', render: () => current ? current.representations.map(r => [h('h2', null, `Dialect: ${r.dialect}`), code(r.sql, `SQL in ${r.dialect}`)]) : empty('No current version.') },
        { id: 'schema', title: 'Schema', render: () => schema ? schemaTable(schema) : empty('No schema.') },
        { id: 'versions', title: 'Versions', render: () => versions.map(v => h('details', { class: 'version' },
          h('summary', null, `Version ${v['version-id']} · ${time(v['timestamp-ms'])} · schema ${v['schema-id']}`),
          facts([['Default namespace', (v['default-namespace'] ?? []).join('.') || '—'], ['Default catalog', v['default-catalog'] ?? '—'], ['Summary', Object.entries(v.summary ?? {}).map(([k, x]) => `${k}=${x}`).join(', ') || '—']]),
          ...v.representations.map(r => [h('h3', null, r.dialect), code(r.sql, `SQL of version ${v['version-id']} in ${r.dialect}`)]))) },
        { id: 'properties', title: 'Properties', render: () => propertiesTable(m.properties ?? {}) },
        { id: 'log', title: 'Version log', render: () => table('Version log', ['Time', 'Version'], [...(m['version-log'] ?? [])].reverse().map(e => [time(e['timestamp-ms']), String(e['version-id'])])) },
        { id: 'connect', title: 'Connect', render: () => connectSnippets(ctx, w?.name ?? wid, `${nsText(ns)}.${name}`) },
      ], ctx.hash),
    ]
  }).then(() => { if (!body.querySelector('h1')) body.prepend(heading(ctx, name, crumbs)) })
}
