import { mgmt, type Role, type RoleMember } from '../api'
import { heading, type PageContext } from '../app'
import { h } from '../dom'
import { confirmButton, empty, facts, field, form, input, notice, region, select, table } from '../ui'

export function rolesPage(ctx: PageContext): void {
  const list = h('section', { 'aria-label': 'Roles' })
  const result = notice()
  const search = input('search', { type: 'search' })
  const searchForm = h('form', { role: 'search', class: 'inline', 'aria-label': 'Search roles' }, field('Search roles', search), h('button', { type: 'submit' }, 'Search'))
  const create = form('Create a role', [field('Name', input('name', { required: true, maxlength: '128' })), field('Description', input('description'))], 'Create role', async data => {
    const role = await mgmt.createRole(String(data.get('name')), String(data.get('description') ?? ''))
    void load()
    return `Role created: ${role.name}`
  })
  ctx.main.append(heading(ctx, 'Roles'), searchForm, result.el, list, create)
  const render = (roles: Role[]) => roles.length === 0
    ? empty(search.value ? 'No role matches the search.' : 'No roles in this project yet.')
    : table('Roles of the current project', ['Name', 'Description', 'Id', ''], roles.map(r => [h('a', { href: `${ctx.base}/roles/${r.id}` }, r.name), r.description ?? '—', h('code', null, r.id),
      confirmButton('Delete', `Delete the role ${r.name}?`, async () => { await mgmt.deleteRole(r.id); result.ok(`Deleted ${r.name}`); void load() }, result.fail)]))
  const load = () => search.value
    ? region(list, 'roles', () => mgmt.searchRoles(search.value), r => render(r.roles))
    : region(list, 'roles', () => mgmt.roles(), r => render(r.roles))
  searchForm.addEventListener('submit', event => { event.preventDefault(); void load() })
  void load()
}

const memberId = (m: RoleMember): string => m.id ?? m.user?.id ?? m.role?.id ?? ''
const memberName = (m: RoleMember): string => m.name ?? m.user?.name ?? m.role?.name ?? memberId(m)

export function rolePage(ctx: PageContext): void {
  const id = ctx.params[0]
  const body = h('div')
  const result = notice()
  ctx.main.append(body)
  void region(body, 'the role', () => mgmt.role(id), role => {
    const members = h('section', { 'aria-labelledby': 'members-h' })
    const loadMembers = () => region(members, 'members', () => mgmt.roleMembers(id), ({ members: list }) => [
      h('h2', { id: 'members-h' }, 'Members'),
      list.length === 0 ? empty('This role has no members.') : table('Members', ['Type', 'Name', 'Id', ''], list.map(m => [m.type, m.type === 'role' ? h('a', { href: `${ctx.base}/roles/${memberId(m)}` }, memberName(m)) : memberName(m), h('code', null, memberId(m)),
        confirmButton('Remove', `Remove ${memberName(m)} from ${role.name}?`, async () => { await mgmt.removeRoleMember(id, m.type, memberId(m)); result.ok('Removed'); void loadMembers() }, result.fail)])),
    ])
    void loadMembers()
    return [
      heading(ctx, role.name, [['Roles', '/roles']], h('a', { class: 'button', href: `${ctx.base}/permissions/role/${id}` }, 'Permissions')),
      result.el,
      facts([['Id', h('code', null, role.id)], ['Description', role.description ?? '—'], ['Project', h('code', null, role['project-id'])], ['Provider', role.ident ?? '—']]),
      members,
      form('Add a member', [field('Member type', select('type', [['user', 'User'], ['role', 'Role (nested)']])), field('User or role id', input('id', { required: true }), 'A user id such as oidc~subject, or a role id')], 'Add member', async data => {
        await mgmt.addRoleMember(id, { type: data.get('type') === 'role' ? 'role' : 'user', id: String(data.get('id')) })
        void loadMembers()
        return 'Member added'
      }),
    ]
  }).then(() => { if (!body.querySelector('h1')) body.prepend(heading(ctx, 'Role', [['Roles', '/roles']])) })
}
