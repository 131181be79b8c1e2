import { mgmt, type Schemas } from '../api'
import { heading, type PageContext } from '../app'
import { h } from '../dom'
import { confirmButton, empty, field, input, notice, region, table, time } from '../ui'

export function usersPage(ctx: PageContext): void {
  const list = h('section', { 'aria-label': 'Users' })
  const result = notice()
  const search = input('search', { type: 'search', placeholder: 'Name or e-mail' })
  const searchForm = h('form', { role: 'search', class: 'inline', 'aria-label': 'Search users' }, field('Search users', search), h('button', { type: 'submit' }, 'Search'))
  ctx.main.append(heading(ctx, 'Users'), searchForm, result.el, list)
  const render = (users: (Schemas['SearchUser'] & { 'created-at'?: string })[], next?: string | null) => {
    if (users.length === 0) return empty(search.value ? 'No user matches the search.' : 'No users yet: users appear after their first call with a token.')
    return [table('Users', ['Name', 'Id', 'E-mail', 'Type', 'Created', ''], users.map(u => [u.name, h('code', null, u.id), u.email ?? '—', u['user-type'], time(u['created-at']),
      confirmButton('Delete', `Delete the user ${u.name}?`, async () => { await mgmt.deleteUser(u.id); result.ok(`Deleted ${u.name}`); void load() }, result.fail)])),
    next ? h('p', { class: 'hint' }, 'More users exist: narrow the search.') : null]
  }
  const load = () => search.value
    ? region(list, 'users', () => mgmt.searchUsers(search.value), r => render(r.users))
    : region(list, 'users', () => mgmt.users(), r => render(r.users, r['next-page-token']))
  searchForm.addEventListener('submit', event => { event.preventDefault(); void load() })
  void load()
}
