import { catalog, mgmt, SEP } from '../api'
import { heading, type PageContext } from '../app'
import { h, replace } from '../dom'
import { confirmButton, empty, errorMessage, field, form, input, notice, region, table } from '../ui'

export const nsPath = (ns: string[]): string => encodeURIComponent(ns.join(SEP))
export const nsText = (ns: string[]): string => ns.join('.')

/** A namespace tree (nested, each level paged) beside the chosen namespace: properties, children, tables, views. */
export function namespacesPage(ctx: PageContext): void {
  const wid = ctx.params[0]
  const selected = ctx.params[1] ? ctx.params[1].split(SEP) : []
  const head = h('div')
  const tree = h('nav', { class: 'tree', 'aria-label': 'Namespaces' })
  const detail = h('div', { class: 'ns-detail' })
  ctx.main.append(head, h('div', { class: 'split' }, tree, detail))
  const crumbs: [string, string][] = [['Warehouses', '/warehouses'], ['Warehouse', `/warehouses/${wid}`]]
  replace(head, heading(ctx, selected.length ? nsText(selected) : 'Namespaces', crumbs))
  mgmt.warehouse(wid).then(w => {
    crumbs[1] = [w.name, `/warehouses/${wid}`]
    replace(head, heading(ctx, selected.length ? nsText(selected) : `Namespaces of ${w.name}`, crumbs))
  }, () => undefined)

  const link = (ns: string[]) => `${ctx.base}/warehouses/${wid}/namespaces/${nsPath(ns)}`

  /** One level of the tree: paged, each namespace with a disclosure button for its children. */
  const level = (parent: string[] | null): HTMLElement => {
    const list = h('ul', { role: 'list' })
    const status = h('li', { class: 'state loading', role: 'status' }, 'Loading…')
    list.appendChild(status)
    const more = (token?: string) => {
      catalog.namespaces(wid, parent, token).then(page => {
        status.remove()
        if (page.namespaces.length === 0 && !token) list.appendChild(h('li', { class: 'state empty' }, parent ? 'No child namespaces.' : 'No namespaces yet.'))
        for (const ns of page.namespaces) list.appendChild(node(ns))
        const next = page['next-page-token']
        if (next) {
          const button = h('button', { type: 'button', class: 'link' }, 'Load more')
          const item = h('li', null, button)
          button.addEventListener('click', () => { item.remove(); more(next) })
          list.appendChild(item)
        }
      }, error => { replace(status, errorMessage(error)); status.className = 'state error'; status.setAttribute('role', 'alert') })
    }
    more()
    return list
  }

  const node = (ns: string[]): HTMLElement => {
    const name = ns[ns.length - 1]
    const isOpen = selected.length > ns.length && ns.every((part, i) => selected[i] === part)
    const toggle = h('button', { type: 'button', class: 'toggle', 'aria-expanded': String(isOpen), 'aria-label': `Children of ${nsText(ns)}` }, isOpen ? '▾' : '▸')
    const current = ns.length === selected.length && ns.every((part, i) => selected[i] === part)
    const item = h('li', null, toggle, h('a', { href: link(ns), 'aria-current': current ? 'page' : null }, name))
    let children: HTMLElement | null = null
    const open = () => {
      children ??= level(ns)
      item.appendChild(children)
      children.hidden = false
      toggle.setAttribute('aria-expanded', 'true')
      replace(toggle, '▾')
    }
    toggle.addEventListener('click', () => {
      if (toggle.getAttribute('aria-expanded') === 'true') {
        if (children) children.hidden = true
        toggle.setAttribute('aria-expanded', 'false')
        replace(toggle, '▸')
      } else open()
    })
    if (isOpen) open()
    return item
  }

  replace(tree, h('h2', { class: 'visually-hidden' }, 'Namespace tree'), level(null))

  const result = notice()
  const create = (parent: string[]) => form(parent.length ? `Create a namespace in ${nsText(parent)}` : 'Create a namespace',
    [field('Name', input('name', { required: true, maxlength: '255' }))], 'Create namespace', async data => {
      const child = [...parent, String(data.get('name'))]
      await catalog.createNamespace(wid, child, {})
      ctx.go(`/warehouses/${wid}/namespaces/${nsPath(child)}`)
    })

  if (selected.length === 0) {
    replace(detail, h('p', null, 'Choose a namespace in the tree, or create one.'), create([]))
    return
  }

  void region(detail, 'the namespace', () => catalog.namespace(wid, selected), ns => {
    const props = ns.properties ?? {}
    const propsBox = h('section', { 'aria-labelledby': 'props-h' }, h('h2', { id: 'props-h' }, 'Properties'),
      Object.keys(props).length === 0
        ? empty('No properties.')
        : table('Namespace properties', ['Key', 'Value', ''], Object.entries(props).map(([k, v]) => [k, v,
          h('button', { type: 'button', class: 'link', 'aria-label': `Remove property ${k}`, onclick: () => {
            catalog.updateProperties(wid, selected, {}, [k]).then(() => ctx.go(`/warehouses/${wid}/namespaces/${nsPath(selected)}`), result.fail)
          } }, 'Remove')])),
      form('Set a property', [field('Key', input('key', { required: true })), field('Value', input('value'))], 'Set property', async data => {
        await catalog.updateProperties(wid, selected, { [String(data.get('key'))]: String(data.get('value') ?? '') }, [])
        ctx.go(`/warehouses/${wid}/namespaces/${nsPath(selected)}`)
      }))
    const tables = h('section', { 'aria-labelledby': 'tables-h' })
    const views = h('section', { 'aria-labelledby': 'views-h' })
    const listing = (target: HTMLElement, kind: 'tables' | 'views', title: string) => {
      const rows: HTMLElement[] = []
      const list = h('ul', { class: 'objects' })
      const load = (token?: string) => region(target, title.toLowerCase(), () => (kind === 'tables' ? catalog.tables(wid, selected, token) : catalog.views(wid, selected, token)), page => {
        for (const id of page.identifiers) {
          rows.push(h('li', null, h('a', { href: `${ctx.base}/warehouses/${wid}/namespaces/${nsPath(id.namespace)}/${kind}/${encodeURIComponent(id.name)}` }, id.name)))
        }
        replace(list, ...rows)
        const next = page['next-page-token']
        return [h('h2', { id: `${kind}-h` }, title), rows.length === 0 ? empty(`No ${kind} in this namespace.`) : list,
          next ? h('button', { type: 'button', onclick: () => { void load(next) } }, 'Load more') : null]
      })
      void load()
    }
    listing(tables, 'tables', 'Tables')
    listing(views, 'views', 'Views')
    return [
      result.el,
      h('div', { class: 'actions' },
        confirmButton('Drop namespace', `Drop the namespace ${nsText(selected)}? It must be empty.`, async () => {
          await catalog.dropNamespace(wid, selected)
          ctx.go(selected.length > 1 ? `/warehouses/${wid}/namespaces/${nsPath(selected.slice(0, -1))}` : `/warehouses/${wid}/namespaces`)
        }, result.fail),
        ns['namespace-uuid'] ? h('a', { class: 'button', href: `${ctx.base}/permissions/namespace/${ns['namespace-uuid']}` }, 'Permissions') : null),
      tables, views, propsBox, create(selected),
    ]
  })
}
