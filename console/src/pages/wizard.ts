import { ApiError, mgmt, warehouseId, type ValidationCheck } from '../api'
import { heading, type PageContext } from '../app'
import { h, replace } from '../dom'
import { errorMessage, field, input, notice, select, table } from '../ui'
import { credentialFields, deleteProfileFields } from './storage'

/**
 * The create wizard: name and storage, credential, delete profile, then a dry run of every check
 * (POST /warehouse-creation-validation) before the warehouse is created.
 */
export function wizardPage(ctx: PageContext): void {
  const steps = ['Name and storage', 'Credential', 'Delete profile', 'Check and create']
  let step = 0
  const progress = h('ol', { class: 'steps', 'aria-label': 'Steps' })
  const name = input('warehouse-name', { required: true, maxlength: '128' })
  const type = select('storage-type', [['file', 'Local file system (this server’s disk)'], ['s3', 'S3 or S3-compatible']], 'file')
  const root = input('root', { required: true, placeholder: '/var/lib/lakekeeper/warehouses/sales' })
  const bucket = input('bucket', { placeholder: 'my-bucket' })
  const region = input('region', { placeholder: 'us-east-1' })
  const endpoint = input('endpoint', { type: 'url', placeholder: 'https://s3.example.com (empty for AWS)' })
  const prefix = input('key-prefix', { placeholder: 'warehouses/sales' })
  const pathStyle = input('path-style-access', { type: 'checkbox' })
  const fileFields = h('div', null, field('Root folder', root, 'An absolute path inside the server’s allowed file roots.'))
  const s3Fields = h('div', null, field('Bucket', bucket), field('Region', region), field('Endpoint', endpoint), field('Key prefix', prefix), field('Path-style access (MinIO, s3rver, …)', pathStyle))
  const credential = credentialFields()
  const drops = deleteProfileFields()
  const checks = h('div', { class: 'checks', 'aria-live': 'polite' })
  const result = notice()

  const panels = [
    h('fieldset', null, h('legend', null, 'Name and storage'), field('Warehouse name', name), field('Storage', type), fileFields, s3Fields),
    h('div', null, h('p', { class: 'hint', id: 'no-credential' }, 'A file-system warehouse needs no credential.'), credential.el),
    drops.el,
    h('div', null, h('p', null, 'The server checks the settings (name, storage location, credential) without creating anything. Create is enabled once every check passes.'), checks),
  ]
  const formEl = h('form', { class: 'form wizard', 'aria-label': 'Create a warehouse' })
  const back = h('button', { type: 'button' }, 'Back')
  const next = h('button', { type: 'submit', class: 'primary' }, 'Next')
  const validate = h('button', { type: 'button' }, 'Run the checks again')
  const create = h('button', { type: 'button', class: 'primary', disabled: true }, 'Create warehouse')
  formEl.append(progress, ...panels, h('div', { class: 'actions' }, back, next, validate, create), result.el)

  const body = () => {
    const data = new FormData(formEl)
    const s3 = type.value === 's3'
    const profile: Record<string, unknown> = s3
      ? { type: 's3', bucket: bucket.value, region: region.value, 'sts-enabled': false, 'path-style-access': pathStyle.checked, ...(endpoint.value ? { endpoint: endpoint.value } : {}), ...(prefix.value ? { 'key-prefix': prefix.value } : {}) }
      : { type: 'file', root: root.value }
    return {
      'warehouse-name': name.value,
      'storage-profile': profile,
      ...(s3 ? { 'storage-credential': credential.read(data) } : {}),
      'delete-profile': drops.read(data),
    }
  }

  const sync = () => {
    const s3 = type.value === 's3'
    fileFields.hidden = s3
    s3Fields.hidden = !s3
    root.required = !s3
    for (const el of [bucket, region]) el.required = s3
    credential.el.hidden = !s3
    for (const el of credential.el.querySelectorAll('input')) el.required = s3 && step === 1
    replace(progress, ...steps.map((title, i) => h('li', { 'aria-current': i === step ? 'step' : null, class: i < step ? 'done' : '' }, title)))
    panels.forEach((panel, i) => { panel.hidden = i !== step })
    back.disabled = step === 0
    next.hidden = step === steps.length - 1
    validate.hidden = step !== steps.length - 1
    create.hidden = step !== steps.length - 1
  }
  type.addEventListener('change', sync)

  const runChecks = async () => {
    create.disabled = true
    result.clear()
    replace(checks, h('p', { role: 'status' }, 'Checking…'))
    try {
      const report = await mgmt.validateWarehouse(body())
      replace(checks,
        h('p', { class: report.valid ? 'ok' : 'error', role: report.valid ? 'status' : 'alert' }, report.valid ? 'Every check passed.' : 'Some checks failed: fix the settings and run the checks again.'),
        table('Checks', ['Check', 'Status', 'Details'], report.checks.map((c: ValidationCheck) =>
          [c.name, h('span', { class: `badge ${c.status}` }, c.status), c.error?.message ?? c.reason ?? (c['duration-ms'] != null ? `${c['duration-ms']} ms` : '')]), false))
      create.disabled = !report.valid
    } catch (error) {
      if (error instanceof ApiError && error.missingRoute) {
        replace(checks, h('p', { role: 'status' }, 'This server has no dry run of warehouse creation: the checks run when you create.'))
        create.disabled = false
      } else {
        replace(checks, h('p', { role: 'alert', class: 'error' }, errorMessage(error)))
      }
    }
  }

  formEl.addEventListener('submit', event => {
    event.preventDefault()
    if (!formEl.reportValidity()) return
    step = Math.min(step + 1, steps.length - 1)
    sync()
    ;(panels[step].querySelector('input, select, button') as HTMLElement | null)?.focus()
    if (step === steps.length - 1) void runChecks()
  })
  back.addEventListener('click', () => { step = Math.max(0, step - 1); sync() })
  validate.addEventListener('click', () => { void runChecks() })
  create.addEventListener('click', () => {
    create.disabled = true
    mgmt.createWarehouse(body()).then(created => {
      for (const el of credential.el.querySelectorAll('input')) el.value = ''
      ctx.go(`/warehouses/${warehouseId(created as never) || (created as { 'warehouse-id': string })['warehouse-id']}`)
    }, error => { result.fail(error); create.disabled = false })
  })

  sync()
  ctx.main.append(heading(ctx, 'Create a warehouse', [['Warehouses', '/warehouses']]), formEl)
}
