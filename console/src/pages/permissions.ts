import { mgmt, type Assignment } from '../api'
import { heading, type PageContext } from '../app'
import { h } from '../dom'
import { confirmButton, empty, field, form, input, notice, region, select, table } from '../ui'

const RELATIONS: Record<string, string[]> = {
  server: ['admin', 'operator'],
  project: ['project_admin', 'security_admin', 'data_admin', 'role_creator', 'describe', 'select', 'create', 'modify'],
  warehouse: ['ownership', 'pass_grants', 'manage_grants', 'describe', 'select', 'create', 'modify'],
  namespace: ['ownership', 'pass_grants', 'manage_grants', 'describe', 'select', 'create', 'modify'],
  table: ['ownership', 'pass_grants', 'manage_grants', 'describe', 'select', 'modify'],
  view: ['ownership', 'pass_grants', 'manage_grants', 'describe', 'modify'],
  role: ['assignee', 'ownership'],
}

/** Who has access to an object, grant and revoke (Lakekeeper's /permissions/{object}/assignments). */
export function permissionsPage(ctx: PageContext): void {
  const path = ctx.params[0]
  const allowed = /^(server|project(\/[0-9a-f-]{36})?|(role|namespace)\/[0-9a-f-]{36}|warehouse\/[0-9a-f-]{36}(\/(table|view)\/[0-9a-f-]{36})?)$/i
  const kind = path.split('/').filter((_, i, parts) => i === parts.length - 2 || parts.length === 1)[0] ?? 'server'
  const body = h('div')
  const result = notice()
  ctx.main.append(heading(ctx, `Permissions: ${path}`), result.el, body)
  if (!allowed.test(path)) {
    body.append(h('p', { role: 'alert', class: 'state error' }, `Not an object whose permissions can be shown: ${path}`))
    return
  }
  void region(body, 'permissions', async () => {
    const info = await ctx.info()
    const backend = info['authz-backend'].toLowerCase().replace(/[-_]/g, '')
    if (backend === 'allowall') return null
    return mgmt.assignments(path)
  }, data => {
    if (data === null) {
      return h('div', { class: 'callout', role: 'note' }, h('p', null, h('strong', null, 'This server runs allow-all authorization: '), 'every authenticated caller may do everything, so there is nothing to grant. Choose the builtin or OpenFGA backend (LAKEKEEPER__AUTHZ__BACKEND) to manage access.'))
    }
    const relations = RELATIONS[kind] ?? RELATIONS.warehouse
    const revoke = (a: Assignment) => confirmButton('Revoke', `Revoke ${a.type} from ${a.user ?? a.role}?`, async () => {
      await mgmt.updateAssignments(path, [], [a])
      ctx.go(`/permissions/${path}`)
    }, result.fail)
    return [
      data.assignments.length === 0 ? empty('No one has been granted access to this object directly.') : table('Assignments', ['Relation', 'Principal', ''], data.assignments.map(a => [a.type, a.user ? `user ${a.user}` : `role ${a.role}`, revoke(a)])),
      form('Grant', [
        field('Relation', select('relation', relations.map(r => [r, r]))),
        field('Principal type', select('principal', [['user', 'User'], ['role', 'Role']])),
        field('User or role id', input('id', { required: true })),
      ], 'Grant', async formData => {
        const assignment: Assignment = { type: String(formData.get('relation')), [formData.get('principal') === 'role' ? 'role' : 'user']: String(formData.get('id')) }
        await mgmt.updateAssignments(path, [assignment], [])
        ctx.go(`/permissions/${path}`)
      }),
    ]
  })
}
