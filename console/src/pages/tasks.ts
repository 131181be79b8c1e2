import { mgmt, TASK_STATUSES, WAREHOUSE_QUEUES, type QueueConfig, type Task, type TaskAction, type TaskListRequest, type WarehouseQueue } from '../api'
import { heading, type PageContext } from '../app'
import { h, type Child } from '../dom'
import { code, confirmButton, empty, facts, field, form, input, notice, region, select, table, time } from '../ui'

const ACTIVE = new Set(['SCHEDULED', 'RUNNING', 'STOPPING'])
const QUEUE_NAMES: Record<string, string> = { soft_deletion: 'Expiration of soft-deleted tables and views', tabular_purge: 'Purge of dropped tables’ files' }
const PAGE_SIZES = ['10', '25', '100']

const entityText = (t: { 'entity-name'?: string[] | null; entity?: { type: string; 'table-id'?: string | null; 'view-id'?: string | null } | null }): string =>
  (t['entity-name'] ?? []).join('.') || (t.entity ? `${t.entity.type} ${t.entity['table-id'] ?? t.entity['view-id'] ?? ''}`.trim() : 'the warehouse')

/** What an action does, asked before it runs: cancelling or running an expiration early cannot be undone. */
function question(action: TaskAction, count: number, what: string): string {
  const subject = count === 1 ? `the task on ${what}` : 'the selected tasks'
  if (action === 'run-now') return `Run ${subject} now? An expiration then deletes the table or view for good.`
  if (action === 'cancel') return `Cancel ${subject}? A cancelled expiration leaves the table dropped until someone undrops it.`
  return `Stop ${subject}? The running attempt ends at its next heartbeat and is retried later.`
}

const LABELS: Record<TaskAction, string> = { 'run-now': 'Run now', cancel: 'Cancel task', stop: 'Stop' }
const DONE: Record<TaskAction, string> = { 'run-now': 'Scheduled to run now', cancel: 'Cancelled', stop: 'Asked to stop' }

/** A row's or the details page's action, confirmed first; named with its object for screen readers. */
function taskButton(action: TaskAction, what: string, run: () => Promise<void>, fail: (error: unknown, what?: string) => void): HTMLButtonElement {
  const button = confirmButton(LABELS[action], question(action, 1, what), run, error => fail(error, `Nothing was changed (${LABELS[action].toLowerCase()})`), action !== 'run-now')
  button.setAttribute('aria-label', `${LABELS[action]}: ${what}`)
  return button
}

/** Background tasks of a warehouse: filters (in the URL), pages, bulk and row actions, queue settings. */
export function tasksPage(ctx: PageContext): void {
  const wid = ctx.params[0]
  const q = ctx.query
  const list = h('section', { 'aria-label': 'Task list' })
  const result = notice()
  const refresh = h('button', { type: 'button' }, 'Refresh')
  const crumbs: [string, string][] = [['Warehouses', '/warehouses'], ['Warehouse', `/warehouses/${wid}`]]

  // Filters: read from the URL, written back to it on Apply (so a filtered list has its own address).
  const statusBoxes = TASK_STATUSES.map(s => input('status', { type: 'checkbox', value: s, checked: q.getAll('status').includes(s) }))
  const queue = select('queue', [['', 'Any queue'], ...WAREHOUSE_QUEUES.map(x => [x, x] as [string, string])], q.get('queue') ?? '')
  const after = input('after', { type: 'datetime-local', value: q.get('after') ?? '' })
  const before = input('before', { type: 'datetime-local', value: q.get('before') ?? '' })
  const entityType = select('entity', [['', 'Any object'], ['table', 'A table'], ['view', 'A view'], ['warehouse', 'The warehouse itself']], q.get('entity') ?? '')
  const entityId = input('entity-id', { value: q.get('entity-id') ?? '', placeholder: 'table or view id (uuid)' })
  // Any page size from 1 to 100 can come from the URL; the list offers the usual ones.
  const asked = Number(q.get('size'))
  const chosenSize = Number.isInteger(asked) && asked >= 1 && asked <= 100 ? String(asked) : '25'
  const sizes = PAGE_SIZES.includes(chosenSize) ? PAGE_SIZES : [chosenSize, ...PAGE_SIZES]
  const size = select('size', sizes.map(x => [x, `${x} per page`] as [string, string]), chosenSize)
  const filters = h('form', { class: 'form filters', 'aria-label': 'Filter tasks', role: 'search' },
    h('fieldset', { class: 'statuses' }, h('legend', null, 'Status'), ...statusBoxes.map((box, i) => field(TASK_STATUSES[i].toLowerCase(), box))),
    h('div', { class: 'filter-grid' },
      field('Queue', queue), field('Created after', after), field('Created before', before),
      field('Object', entityType), field('Object id', entityId), field('Page size', size)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('a', { href: `${ctx.base}/warehouses/${wid}/tasks`, class: 'button' }, 'Clear filters')))
  filters.addEventListener('submit', event => {
    event.preventDefault()
    const next = new URLSearchParams()
    for (const box of statusBoxes) if (box.checked) next.append('status', box.value)
    for (const [key, el] of [['queue', queue], ['after', after], ['before', before], ['entity', entityType], ['entity-id', entityId]] as const) {
      if (el.value.trim()) next.set(key, el.value.trim())
    }
    if (size.value !== '25') next.set('size', size.value)
    const query = next.toString()
    ctx.go(`/warehouses/${wid}/tasks${query ? `?${query}` : ''}`)
  })

  const request = (token: string | null): TaskListRequest => {
    const statuses = q.getAll('status').filter(s => (TASK_STATUSES as readonly string[]).includes(s))
    const kind = q.get('entity')
    const id = q.get('entity-id')?.trim()
    const entity = kind === 'warehouse' ? { type: 'warehouse' } : kind === 'table' && id ? { type: 'table', 'table-id': id } : kind === 'view' && id ? { type: 'view', 'view-id': id } : null
    const utc = (value: string | null) => (value ? new Date(value).toISOString() : null)
    return {
      status: statuses.length ? statuses : null,
      'queue-name': q.get('queue') ? [q.get('queue')!] : null,
      'created-after': utc(q.get('after')),
      'created-before': utc(q.get('before')),
      entities: entity ? [entity] : null,
      'page-size': Number(size.value),
      'page-token': token,
    }
  }

  // Pages: the tokens of the pages seen so far, so Previous goes back without the server keeping state.
  const tokens: (string | null)[] = [null]
  let pageIndex = 0
  const act = (action: TaskAction, ids: string[]) =>
    mgmt.controlTasks(wid, action, ids).then(() => { result.ok(`${DONE[action]}: ${ids.length === 1 ? ids[0] : `${ids.length} tasks`}`); void load() })

  const render = (tasks: Task[], next: string | null): Child => {
    const pager = h('div', { class: 'actions pager' },
      h('button', { type: 'button', disabled: pageIndex === 0, onclick: () => { pageIndex -= 1; void load() } }, 'Previous page'),
      h('span', { 'aria-live': 'polite' }, `Page ${pageIndex + 1}`),
      h('button', { type: 'button', disabled: !next, onclick: () => { tokens[pageIndex + 1] = next; pageIndex += 1; void load() } }, 'Next page'))
    if (tasks.length === 0) return [empty(q.toString() ? 'No task matches these filters.' : 'No tasks in this warehouse. Dropping a table under a soft delete profile schedules its expiration here.'), pageIndex > 0 ? pager : null]
    const chosen = new Set<string>()
    const bulk = (['run-now', 'cancel'] as const).map(action => {
      const button = confirmButton(`${action === 'run-now' ? 'Run' : 'Cancel'} selected`, question(action, 0, ''), () => act(action, [...chosen]),
        error => result.fail(error, `Nothing was changed (${LABELS[action].toLowerCase()})`), action === 'cancel')
      button.disabled = true
      return button
    })
    const rows = tasks.map(t => {
      const open = ACTIVE.has(t.status)
      const what = entityText(t)
      const box = h('input', { type: 'checkbox', 'aria-label': `Select the task on ${what}`, disabled: !open })
      box.addEventListener('change', () => {
        if (box.checked) chosen.add(t['task-id']); else chosen.delete(t['task-id'])
        for (const b of bulk) b.disabled = chosen.size === 0
      })
      const rowActions = open
        ? (t.status === 'RUNNING' ? ['stop', 'cancel'] as const : ['run-now', 'cancel'] as const).map(action => taskButton(action, what, () => act(action, [t['task-id']]), result.fail))
        : []
      return [box,
        h('a', { href: `${ctx.base}/warehouses/${wid}/tasks/${t['task-id']}`, 'aria-label': `${t['task-id'].slice(0, 8)}: details of the task on ${what}` }, h('code', null, t['task-id'].slice(0, 8))),
        t['queue-name'], what, h('span', { class: `badge ${t.status.toLowerCase()}` }, t.status), String(t.attempt),
        time(t['scheduled-for']), time(t['created-at']), `${Math.round(t.progress * 100)} %`,
        rowActions.length ? h('div', { class: 'row-actions' }, ...rowActions) : '—']
    })
    return [
      h('div', { class: 'actions' }, ...bulk),
      table('Tasks, newest first', ['Select', 'Task', 'Queue', 'Object', 'Status', 'Attempt', 'Scheduled for', 'Created', 'Progress', 'Actions'], rows),
      pager,
    ]
  }
  const load = () => region(list, 'tasks', () => mgmt.tasks(wid, request(tokens[pageIndex] ?? null)), page => render(page.tasks, page['next-page-token'] ?? null))
  refresh.addEventListener('click', () => { void load() })

  ctx.main.append(heading(ctx, 'Tasks', crumbs, refresh), result.el, filters, list, queueSettings(wid))
  void mgmt.warehouse(wid).then(w => {
    const link = ctx.main.querySelector<HTMLAnchorElement>(`.crumbs a[href$="/warehouses/${wid}"]`)
    if (link) link.textContent = w.name
  }, () => undefined)
  void load()
}

/** Each warehouse queue's settings: attempts, concurrency and the heartbeat timeout (POST replaces all). */
function queueSettings(wid: string): HTMLElement {
  const el = h('section', { 'aria-labelledby': 'queues-h' }, h('h2', { id: 'queues-h' }, 'Queue settings'))
  for (const queue of WAREHOUSE_QUEUES) {
    const box = h('div')
    el.appendChild(box)
    void region(box, `the ${queue} settings`, () => mgmt.queueConfig(wid, queue), config => queueForm(wid, queue, config))
  }
  return el
}

function queueForm(wid: string, queue: WarehouseQueue, config: QueueConfig): HTMLElement {
  const current = config['queue-config'] ?? {}
  const num = (name: string, value: unknown, min: string, max: string) =>
    input(name, { type: 'number', min, max, value: typeof value === 'number' ? String(value) : '', placeholder: 'server default' })
  const attempts = num('max-attempts', current['max-attempts'], '1', '1000')
  const concurrent = num('max-concurrent', current['max-concurrent'], '1', '1000')
  const heartbeat = num('max-seconds-since-last-heartbeat', config['max-seconds-since-last-heartbeat'], '1', '86400')
  const label = (text: string) => `${text} (${queue})`
  return form(`${queue}: ${QUEUE_NAMES[queue]}`, [
    field(label('Attempts before a task fails'), attempts),
    field(label('Tasks run at once'), concurrent),
    field(label('Seconds without heartbeat before another worker takes over'), heartbeat),
  ], `Save ${queue} settings`, async () => {
    const body: QueueConfig = { 'queue-config': {} }
    if (attempts.value) body['queue-config']['max-attempts'] = Number(attempts.value)
    if (concurrent.value) body['queue-config']['max-concurrent'] = Number(concurrent.value)
    if (heartbeat.value) body['max-seconds-since-last-heartbeat'] = Number(heartbeat.value)
    await mgmt.setQueueConfig(wid, queue, body)
    return `Saved the ${queue} settings`
  }, undefined, `The ${queue} settings were not saved`)
}

/** One task: what it works on, its data, the current attempt's message and every earlier attempt. */
export function taskPage(ctx: PageContext): void {
  const [wid, taskId] = ctx.params
  const body = h('div')
  const result = notice()
  ctx.main.append(body)
  const crumbs: [string, string][] = [['Warehouses', '/warehouses'], ['Warehouse', `/warehouses/${wid}`], ['Tasks', `/warehouses/${wid}/tasks`]]
  const load = () => region(body, 'the task', () => mgmt.task(wid, taskId), t => {
    const what = entityText(t)
    const actions = ACTIVE.has(t.status)
      ? (t.status === 'RUNNING' ? ['stop', 'cancel'] as const : ['run-now', 'cancel'] as const).map(action => taskButton(action, what, async () => {
        await mgmt.controlTasks(wid, action, [taskId])
        result.ok(DONE[action])
        void load()
      }, result.fail))
      : []
    return [
      heading(ctx, `Task on ${what}`, crumbs, h('div', { class: 'actions' }, ...actions)),
      result.el,
      facts([
        ['Task id', h('code', null, t['task-id'])], ['Queue', t['queue-name']],
        ['Object', t.entity ? `${t.entity.type} ${what}` : what], ['Object id', t.entity ? h('code', null, t.entity['table-id'] ?? t.entity['view-id'] ?? '—') : '—'], ['Status', h('span', { class: `badge ${t.status.toLowerCase()}` }, t.status)],
        ['Attempt', String(t.attempt)], ['Scheduled for', time(t['scheduled-for'])], ['Picked up', time(t['picked-up-at'])],
        ['Last heartbeat', time(t['last-heartbeat-at'])], ['Progress', `${Math.round(t.progress * 100)} %`],
        ['Created', time(t['created-at'])], ['Updated', time(t['updated-at'])], ['Parent task', t['parent-task-id'] ?? '—'],
        ['Message', t.message ?? '—'],
      ]),
      h('h2', null, 'Task data'), code(JSON.stringify(t['task-data'], null, 2), 'Task data'),
      t['execution-details'] ? [h('h2', null, 'Execution details'), code(JSON.stringify(t['execution-details'], null, 2), 'Execution details')] : null,
      h('h2', null, 'Earlier attempts'),
      t.attempts.length === 0
        ? h('p', { class: 'state empty' }, 'No earlier attempt: this is the first.')
        : table('Earlier attempts, newest first', ['Attempt', 'Status', 'Scheduled for', 'Started', 'Duration', 'Progress', 'Message'],
          t.attempts.map(a => [String(a.attempt), h('span', { class: `badge ${a.status.toLowerCase()}` }, a.status), time(a['scheduled-for']), time(a['started-at']),
            a.duration ?? '—', `${Math.round(a.progress * 100)} %`, a.message ?? '—'])),
    ]
  })
  void load().then(() => {
    if (!body.querySelector('h1')) body.prepend(heading(ctx, 'Task', crumbs))
  })
}
