import { mgmt, warehouseId } from '../api'
import { heading, type PageContext } from '../app'
import { h } from '../dom'
import { empty, region, table } from '../ui'

export function warehousesPage(ctx: PageContext): void {
  const list = h('section', { 'aria-label': 'Warehouses' })
  const createLink = h('a', { href: `${ctx.base}/warehouses/new`, class: 'button primary' }, 'Create a warehouse')
  ctx.main.append(heading(ctx, 'Warehouses', [], createLink), list)
  void region(list, 'warehouses', () => mgmt.warehouses(), ({ warehouses }) => {
    if (warehouses.length === 0) return empty('No warehouses in this project yet.', h('a', { href: `${ctx.base}/warehouses/new` }, 'Create the first one'))
    return table('Warehouses of the current project', ['Name', 'Storage', 'Status', 'Protected', 'Drops', 'Id'], warehouses.map(w => {
      const id = warehouseId(w)
      const profile = w['storage-profile']
      const where = profile.type === 'file' ? `file: ${String(profile.root ?? '')}` : `s3://${profile.bucket}/${profile['key-prefix'] ?? ''}`
      const drops = w['delete-profile']?.type === 'soft' ? `soft (${w['delete-profile']['expiration-seconds']} s)` : 'hard'
      return [h('a', { href: `${ctx.base}/warehouses/${id}` }, w.name), where, w.status ?? 'active', w.protected ? 'yes' : 'no', drops, h('code', null, id)]
    }))
  })
}
