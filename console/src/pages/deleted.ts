import { mgmt, type DeletedTabular } from '../api'
import { heading, type PageContext } from '../app'
import { h } from '../dom'
import { empty, notice, region, table, time } from '../ui'

/** Soft-deleted tables and views of a warehouse, with undrop. */
export function deletedPage(ctx: PageContext): void {
  const wid = ctx.params[0]
  const list = h('section', { 'aria-label': 'Deleted tables and views' })
  const result = notice()
  ctx.main.append(heading(ctx, 'Deleted tables and views', [['Warehouses', '/warehouses'], ['Warehouse', `/warehouses/${wid}`]]), result.el, list)
  const items: DeletedTabular[] = []
  const load = (token?: string) => region(list, 'deleted tables and views', () => mgmt.deleted(wid, token), page => {
    items.push(...page.tabulars)
    if (items.length === 0) return empty('Nothing is soft-deleted in this warehouse. Tables dropped under a soft delete profile appear here until they expire.')
    const chosen = new Set<string>()
    const undrop = h('button', { type: 'button', class: 'primary', disabled: true }, 'Undrop selected')
    const rows = items.map(t => {
      const box = h('input', { type: 'checkbox', id: `sel-${t.id}`, 'aria-label': `Select ${[...t.namespace, t.name].join('.')}` })
      box.addEventListener('change', () => { if (box.checked) chosen.add(t.id); else chosen.delete(t.id); undrop.disabled = chosen.size === 0 })
      return [box, [...t.namespace, t.name].join('.'), t.typ, time(t['deleted-at']), time(t['expiration-date']), h('code', null, t.id)]
    })
    undrop.addEventListener('click', () => {
      const targets = items.filter(t => chosen.has(t.id)).map(t => ({ type: t.typ === 'view' ? 'view' as const : 'table' as const, id: t.id }))
      undrop.disabled = true
      mgmt.undrop(wid, targets).then(() => {
        result.ok(`Undropped ${targets.length} ${targets.length === 1 ? 'object' : 'objects'}.`)
        items.length = 0
        void load()
      }, error => { result.fail(error); undrop.disabled = false })
    })
    const next = page['next-page-token']
    return [table('Soft-deleted tables and views', ['Select', 'Name', 'Type', 'Deleted', 'Expires', 'Id'], rows), h('div', { class: 'actions' }, undrop,
      next ? h('button', { type: 'button', onclick: () => { void load(next) } }, 'Load more') : null)]
  })
  void load()
}
