import { ApiError, mgmt, warehouseId, type Schemas } from '../api'
import { heading, type PageContext } from '../app'
import { h, replace } from '../dom'
import { errorMessage, field, input, notice, select } from '../ui'
import { checksView, credentialFields, deleteProfileFields, s3ProfileFields } from './storage'

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
  const s3 = s3ProfileFields()
  const fileFields = h('div', null, field('Root folder', root, 'An absolute path inside the server’s allowed file roots.'))
  const s3Fields = s3.el
  const credential = credentialFields()
  const noCredential = h('p', { class: 'hint', id: 'no-credential' }, 'A file-system warehouse needs no credential.')
  const drops = deleteProfileFields()
  const checks = h('div', { class: 'checks', 'aria-live': 'polite' })
  const result = notice()

  const panels = [
    h('fieldset', null, h('legend', null, 'Name and storage'), field('Warehouse name', name), field('Storage', type), fileFields, s3Fields),
    h('div', null, noCredential, credential.el),
    drops.el,
    h('div', null, h('p', null, 'The server checks the settings (name, storage location, credential) without creating anything. Create is enabled once every check passes.'), checks),
  ]
  const formEl = h('form', { class: 'form wizard', 'aria-label': 'Create a warehouse' })
  const back = h('button', { type: 'button' }, 'Back')
  const next = h('button', { type: 'submit', class: 'primary' }, 'Next')
  const validate = h('button', { type: 'button' }, 'Run the checks again')
  const create = h('button', { type: 'button', class: 'primary', disabled: true }, 'Create warehouse')
  formEl.append(progress, ...panels, h('div', { class: 'actions' }, back, next, validate, create), result.el)

  const body = (): Schemas['CreateWarehouseRequest'] => {
    const onS3 = type.value === 's3'
    return {
      'warehouse-name': name.value.trim(),
      'storage-profile': onS3 ? s3.read() : { type: 'file', root: root.value.trim() },
      'storage-credential': onS3 ? credential.read() : null,
      'delete-profile': drops.read(new FormData(formEl)),
    }
  }

  const sync = () => {
    const onS3 = type.value === 's3'
    fileFields.hidden = onS3
    s3Fields.hidden = !onS3
    root.required = !onS3
    s3.require(onS3 && step === 0)
    credential.el.hidden = !onS3
    noCredential.hidden = onS3
    credential.require(onS3 && step === 1)
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
      replace(checks, ...checksView(report))
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
      credential.clear()
      ctx.go(`/warehouses/${warehouseId(created)}`)
    }, error => { result.fail(error); create.disabled = false })
  })

  sync()
  ctx.main.append(heading(ctx, 'Create a warehouse', [['Warehouses', '/warehouses']]), formEl)
}
