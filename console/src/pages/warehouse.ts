import { ApiError, mgmt, warehouseId, type ValidationReport, type Warehouse } from '../api'
import { heading, type PageContext } from '../app'
import { lineChart } from '../chart'
import { h, replace } from '../dom'
import { confirmButton, facts, field, form, input, notice, region } from '../ui'
import { checksView, credentialFields, deleteProfileFields, profileFacts, s3ProfileFields } from './storage'

export function warehousePage(ctx: PageContext): void {
  const id = ctx.params[0]
  const body = h('div')
  ctx.main.append(body)
  const result = notice()
  const load = () => region(body, 'the warehouse', () => mgmt.warehouse(id), w => render(w))

  const render = (w: Warehouse) => {
    const wid = warehouseId(w) || id
    const active = w.status === 'active'
    const profile = w['storage-profile']
    const done = (text: string) => { result.ok(text); void load() }

    const toggle = h('button', { type: 'button' }, active ? 'Deactivate' : 'Activate')
    toggle.addEventListener('click', () => {
      mgmt.activate(wid, !active).then(() => done(active ? 'Deactivated: engines cannot reach this warehouse until it is activated again.' : 'Activated'),
        error => result.fail(error, active ? 'The warehouse was not deactivated' : 'The warehouse was not activated'))
    })
    const protect = h('button', { type: 'button', 'aria-pressed': String(w.protected) }, w.protected ? 'Remove protection' : 'Protect from deletion')
    protect.addEventListener('click', () => {
      mgmt.protect(wid, !w.protected).then(() => done(w.protected ? 'Protection removed' : 'Protected: the warehouse cannot be deleted until protection is removed.'),
        error => result.fail(error, 'The protection was not changed'))
    })
    const force = input('force', { type: 'checkbox' })
    const remove = confirmButton('Delete warehouse', `Delete the warehouse “${w.name}”?`, async () => {
      await mgmt.deleteWarehouse(wid, force.checked)
      ctx.go('/warehouses')
    }, error => result.fail(error, 'The warehouse was not deleted'))

    const rename = form('Rename', [field('New name', input('name', { required: true, value: w.name, maxlength: '128' }))], 'Rename', async data => {
      await mgmt.renameWarehouse(wid, String(data.get('name')).trim())
      void load()
    }, undefined, 'The warehouse was not renamed')
    const drops = deleteProfileFields(w['delete-profile'])
    const deleteProfile = form('Delete profile', [drops.el], 'Save delete profile', async data => {
      await mgmt.setDeleteProfile(wid, drops.read(data))
      done('Delete profile saved: it applies to tables and views dropped from now on.')
    }, undefined, 'The delete profile was not saved')

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
          ['Id', h('code', null, wid)], ['Project', h('code', null, w['project-id'])], ['Status', w.status],
          ['Protected', w.protected ? 'yes' : 'no'],
          ['Delete profile', w['delete-profile'].type === 'soft' ? `soft, kept ${w['delete-profile']['expiration-seconds']} s` : 'hard'],
          ['Format versions', w['allowed-format-versions'].join(', ')],
          ['Credential', w['storage-credential-type'] ? `${w['storage-credential-type'].type} ${w['storage-credential-type']['credential-type']}` : profile.type === 'file' ? 'none needed' : 'none stored'],
        ])),
      h('section', { 'aria-labelledby': 'st-h' }, h('h2', { id: 'st-h' }, 'Storage'), facts(profileFacts(profile)),
        profile.type === 's3' ? storageForms(wid, profile, done) : h('p', { class: 'hint' }, 'A file-system warehouse has no credential to rotate.')),
      statistics(wid),
      h('section', { 'aria-labelledby': 'act-h', class: 'actions-grid' }, h('h2', { id: 'act-h' }, 'Manage'),
        h('div', { class: 'actions' }, toggle, protect),
        rename, deleteProfile,
        h('div', { class: 'form danger-zone' }, h('h3', null, 'Delete'),
          h('p', null, 'A protected warehouse cannot be deleted. Without the option below, only an empty warehouse can; files on storage are never deleted.'),
          field('Also delete its namespaces, tables and views', force), h('div', { class: 'actions' }, remove))),
    ]
  }
  void load().then(() => {
    if (!body.querySelector('h1')) body.prepend(heading(ctx, 'Warehouse', [['Warehouses', '/warehouses']]))
  })
}

/** Tables and views over time (hourly rows, latest first from the server), and the counts now. */
function statistics(wid: string): HTMLElement {
  const el = h('section', { 'aria-labelledby': 'stats-h', id: 'statistics' })
  void region(el, 'statistics', () => mgmt.statistics(wid).catch(error => {
    if (error instanceof ApiError && error.missingRoute) return null
    throw error
  }), result => {
    const title = h('h2', { id: 'stats-h' }, 'Statistics')
    if (result === null) return [title, h('p', { class: 'state empty' }, 'This server does not keep warehouse statistics.')]
    if (result.stats.length === 0) return [title, h('p', { class: 'state empty' }, 'No statistics yet: they appear once tables or views are created.')]
    const points = [...result.stats].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))
    const latest = points[points.length - 1]
    return [title,
      facts([['Tables now', String(latest['number-of-tables'])], ['Views now', String(latest['number-of-views'])], ['Counted at', new Date(latest['updated-at']).toISOString()]]),
      lineChart('Tables and views over time', [
        { name: 'Tables', points: points.map(p => ({ x: Date.parse(p.timestamp), y: p['number-of-tables'] })) },
        { name: 'Views', points: points.map(p => ({ x: Date.parse(p.timestamp), y: p['number-of-views'] })) },
      ])]
  }).catch(() => undefined)
  return el
}

/**
 * S3 settings and credential, each checked by the server's dry run (storage/validate-*) first: the
 * change is sent only when every check passed, and the checks are shown either way.
 */
function storageForms(wid: string, profile: Extract<Warehouse['storage-profile'], { type: 's3' }>, saved: (text: string) => void): HTMLElement {
  const outcome = (target: HTMLElement, report: ValidationReport) => replace(target, ...checksView(report))

  const accessChecks = h('div', { class: 'checks', 'aria-live': 'polite' })
  const access = h('button', { type: 'button' }, 'Check storage access')
  access.addEventListener('click', () => {
    access.disabled = true
    replace(accessChecks, h('p', { role: 'status' }, 'Checking…'))
    mgmt.validateAccess(wid).then(report => outcome(accessChecks, report),
      error => replace(accessChecks, h('p', { role: 'alert', class: 'error' }, `The check could not run: ${messageOf(error)}`)))
      .finally(() => { access.disabled = false })
  })

  const credential = credentialFields()
  const credentialChecks = h('div', { class: 'checks', 'aria-live': 'polite' })
  const rotate = form('Rotate the credential', [credential.el, credentialChecks], 'Check and rotate credential', async () => {
    const next = credential.read()
    replace(credentialChecks, h('p', { role: 'status' }, 'Checking the new credential…'))
    const report = await mgmt.validateCredential(wid, next)
    outcome(credentialChecks, report)
    if (!report.valid) throw new Error('a check failed (see the checks above)')
    await mgmt.rotateCredential(wid, next)
    credential.clear()
    return 'Credential replaced: the server uses the new key from now on.'
  }, undefined, 'The credential was not replaced')

  const settings = s3ProfileFields(profile)
  const settingsChecks = h('div', { class: 'checks', 'aria-live': 'polite' })
  const update = form('Storage settings', [settings.el, settingsChecks], 'Check and save settings', async () => {
    const next = settings.read()
    replace(settingsChecks, h('p', { role: 'status' }, 'Checking the settings…'))
    const report = await mgmt.validateProfile(wid, next)
    outcome(settingsChecks, report)
    if (!report.valid) throw new Error('a check failed (see the checks above)')
    await mgmt.updateProfile(wid, next)
    saved('Storage settings saved')
  }, undefined, 'The settings were not saved')

  return h('div', null, h('div', { class: 'actions' }, access), accessChecks, rotate, update)
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
