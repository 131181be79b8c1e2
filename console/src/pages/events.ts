import { catalog, type ChangeEvent } from '../api'
import { heading, type PageContext } from '../app'
import { h, replace } from '../dom'
import { errorMessage, time } from '../ui'

/** Change events of a warehouse as they happen (POST /catalog/v1/{prefix}/events, polled every 2 s). */
export function eventsPage(ctx: PageContext): void {
  const wid = ctx.params[0]
  const status = h('p', { class: 'state loading', role: 'status' }, 'Loading events…')
  const list = h('ol', { class: 'events', 'aria-live': 'polite', 'aria-relevant': 'additions' })
  const pause = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Pause')
  ctx.main.append(heading(ctx, 'Change events', [['Warehouses', '/warehouses'], ['Warehouse', `/warehouses/${wid}`]], pause), status, list)
  let token: string | null = null
  let paused = false
  let count = 0
  pause.addEventListener('click', () => { paused = !paused; pause.setAttribute('aria-pressed', String(paused)); replace(pause, paused ? 'Resume' : 'Pause') })
  const describe = (e: ChangeEvent) => {
    const op = e.operation
    const what = op.identifier ? [...op.identifier.namespace, op.identifier.name].join('.') : op.namespace ? op.namespace.join('.') : ''
    const actor = e.actor && typeof e.actor === 'object' ? String((e.actor as Record<string, unknown>).id ?? (e.actor as Record<string, unknown>).type ?? '') : ''
    return h('li', null, h('time', null, time(e['timestamp-ms'])), ' ', h('strong', null, op['operation-type']), ' ', what, actor ? ` by ${actor}` : '')
  }
  const poll = async () => {
    if (!ctx.main.isConnected) return
    if (!paused) {
      try {
        let more = true
        while (more) {
          const page = await catalog.events(wid, token)
          for (const e of page.events) { list.prepend(describe(e)); count += 1 }
          more = page.events.length > 0 && Boolean(page['continuation-token']) && page['continuation-token'] !== token
          token = page['continuation-token'] ?? token
        }
        status.className = 'state'
        replace(status, count === 0 ? 'No events yet. Changes to namespaces, tables and views appear here as they happen.' : `${count} events; watching for more.`)
      } catch (error) {
        status.className = 'state error'
        status.setAttribute('role', 'alert')
        replace(status, errorMessage(error))
      }
    }
    window.setTimeout(() => { void poll() }, 2000)
  }
  void poll()
}
