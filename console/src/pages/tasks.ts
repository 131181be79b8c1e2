import { mgmt } from '../api'
import { heading, type PageContext } from '../app'
import { h } from '../dom'
import { empty, notice, region, table, time } from '../ui'

/** Background tasks of a warehouse (expirations, purges): status, attempts, cancel and run now. */
export function tasksPage(ctx: PageContext): void {
  const wid = ctx.params[0]
  const list = h('section', { 'aria-label': 'Tasks' })
  const result = notice()
  const refresh = h('button', { type: 'button' }, 'Refresh')
  ctx.main.append(heading(ctx, 'Tasks', [['Warehouses', '/warehouses'], ['Warehouse', `/warehouses/${wid}`]], refresh), result.el, list)
  const load = () => region(list, 'tasks', () => mgmt.tasks(wid), ({ tasks }) => {
    if (tasks.length === 0) return empty('No tasks in this warehouse.')
    return table('Tasks', ['Queue', 'Object', 'Status', 'Attempt', 'Scheduled for', 'Progress', 'Actions'], tasks.map(t => {
      const act = (action: 'cancel' | 'run-now', label: string) => h('button', { type: 'button', onclick: () => {
        mgmt.controlTasks(wid, action, [t['task-id']]).then(() => { result.ok(`${label}: ${t['task-id']}`); void load() }, result.fail)
      } }, label)
      const open = t.status === 'SCHEDULED' || t.status === 'RUNNING' || t.status === 'STOPPING'
      return [t['queue-name'], (t['entity-name'] ?? []).join('.') || '—', h('span', { class: `badge ${t.status.toLowerCase()}` }, t.status), String(t.attempt),
        time(t['scheduled-for']), t.progress !== undefined ? `${Math.round(t.progress * 100)} %` : '—',
        open ? h('div', { class: 'row-actions' }, act('run-now', 'Run now'), act('cancel', 'Cancel')) : '—']
    }))
  })
  refresh.addEventListener('click', () => { void load() })
  void load()
}
