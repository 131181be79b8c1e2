import { ApiError, mgmt, warehouseId, type Warehouse } from '../api'
import { heading, type PageContext } from '../app'
import { lineChart } from '../chart'
import { h } from '../dom'
import { confirmButton, facts, field, form, input, notice, region } from '../ui'
import { credentialFields, deleteProfileFields, profileFacts } from './storage'

export function warehousePage(ctx: PageContext): void {
  const id = ctx.params[0]
  const body = h('div')
  ctx.main.append(body)
  const load = () => region(body, 'the warehouse', () => mgmt.warehouse(id), w => render(w))
  const result = notice()

  const render = (w: Warehouse) => {
    const wid = warehouseId(w) || id
    const active = (w.status ?? 'active') === 'active'
    const stats = h('section', { 'aria-labelledby': 'stats-h' })
    void region(stats, 'statistics', () => mgmt.statistics(wid).catch(error => {
      if (error instanceof ApiError && error.missingRoute) return null
      throw error
    }), result => [
      h('h2', { id: 'stats-h' }, 'Statistics'),
      result === null
        ? h('p', { class: 'state empty' }, 'This server does not keep warehouse statistics.')
        : result.stats.length === 0
        ? h('p', { class: 'state empty' }, 'No statistics yet: they appear once tables or views are created.')
        : lineChart('Tables and views over time', [
          { name: 'Tables', points: result.stats.map(p => ({ x: Date.parse(p.timestamp), y: p['number-of-tables'] })) },
          { name: 'Views', points: result.stats.map(p => ({ x: Date.parse(p.timestamp), y: p['number-of-views'] })) },
        ]),
    ]).catch(() => undefined)

    const toggle = h('button', { type: 'button' }, active ? 'Deactivate' : 'Activate')
    toggle.addEventListener('click', () => { mgmt.activate(wid, !active).then(() => { result.ok(active ? 'Deactivated' : 'Activated'); void load() }, result.fail) })
    const protect = h('button', { type: 'button', 'aria-pressed': String(Boolean(w.protected)) }, w.protected ? 'Remove protection' : 'Protect from deletion')
    protect.addEventListener('click', () => { mgmt.protect(wid, !w.protected).then(() => { result.ok(w.protected ? 'Protection removed' : 'Protected'); void load() }, result.fail) })

    const rename = form('Rename', [field('New name', input('name', { required: true, value: w.name, maxlength: '128' }))], 'Rename', async data => {
      await mgmt.renameWarehouse(wid, String(data.get('name')))
      void load()
      return 'Renamed'
    })
    const drops = deleteProfileFields(w['delete-profile'])
    const deleteProfile = form('Delete profile', [drops.el], 'Save delete profile', async data => {
      await mgmt.setDeleteProfile(wid, drops.read(data))
      void load()
      return 'Delete profile saved'
    })
    const credential = credentialFields()
    const rotate = w['storage-profile'].type === 's3'
      ? form('Rotate the credential', [credential.el], 'Rotate credential', async data => {
        await mgmt.rotateCredential(wid, credential.read(data))
        for (const el of credential.el.querySelectorAll('input')) el.value = ''
        return 'Credential replaced'
      })
      : h('p', { class: 'hint' }, 'A file-system warehouse has no credential to rotate.')

    const links = h('ul', { class: 'links' },
      h('li', null, h('a', { href: `${ctx.base}/warehouses/${wid}/namespaces` }, 'Browse namespaces and tables')),
      h('li', null, h('a', { href: `${ctx.base}/warehouses/${wid}/deleted` }, 'Deleted tables and views')),
      h('li', null, h('a', { href: `${ctx.base}/warehouses/${wid}/tasks` }, 'Tasks')),
      h('li', null, h('a', { href: `${ctx.base}/warehouses/${wid}/events` }, 'Live change events')),
      h('li', null, h('a', { href: `${ctx.base}/permissions/warehouse/${wid}` }, 'Permissions')))

    return [
      heading(ctx, w.name, [['Warehouses', '/warehouses']]),
      result.el,
      links,
      h('section', { 'aria-labelledby': 'wh-h' }, h('h2', { id: 'wh-h' }, 'Warehouse'),
        facts([
          ['Id', h('code', null, wid)], ['Project', h('code', null, w['project-id'])], ['Status', w.status ?? 'active'],
          ['Protected', w.protected ? 'yes' : 'no'],
          ['Delete profile', w['delete-profile']?.type === 'soft' ? `soft, kept ${w['delete-profile']['expiration-seconds']} s` : 'hard'],
          ['Format versions', w['allowed-format-versions']?.join(', ') ?? '—'],
          ['Credential', w['storage-credential-type'] ?? (w['storage-profile'].type === 'file' ? 'none needed' : '—')],
        ])),
      h('section', { 'aria-labelledby': 'st-h' }, h('h2', { id: 'st-h' }, 'Storage'), facts(profileFacts(w['storage-profile']))),
      stats,
      h('section', { 'aria-labelledby': 'act-h', class: 'actions-grid' }, h('h2', { id: 'act-h' }, 'Manage'),
        h('div', { class: 'actions' }, toggle, protect,
          confirmButton('Delete warehouse', `Delete the warehouse “${w.name}”? It must be empty.`, async () => {
            await mgmt.deleteWarehouse(wid)
            ctx.go('/warehouses')
          }, result.fail)),
        rename, deleteProfile, rotate),
    ]
  }
  void load().then(() => {
    if (!body.querySelector('h1')) {
      body.prepend(heading(ctx, 'Warehouse', [['Warehouses', '/warehouses']]))
    }
  })
}
