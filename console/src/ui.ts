// Shared pieces of every page: loading, empty and error states, forms, confirmations, tabs, tables.

import { ApiError } from './api'
import { h, replace, uid, type Child } from './dom'

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error) return error.message
  return String(error)
}

export function loading(what: string): HTMLElement {
  return h('p', { class: 'state loading', role: 'status', 'aria-live': 'polite' }, `Loading ${what}…`)
}

export function empty(message: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'state empty', role: 'status' }, h('p', null, message), ...actions)
}

export function failure(error: unknown, retry?: () => void): HTMLElement {
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status}${error.type ? `, ${error.type}` : ''})` : ''
  return h('div', { class: 'state error', role: 'alert' },
    h('p', null, h('strong', null, 'Error: '), errorMessage(error), status),
    retry ? h('button', { type: 'button', onclick: retry }, 'Try again') : null)
}

/** Loads data into a region: a loading state, then the rendered data or the server's error. */
export async function region<T>(target: HTMLElement, what: string, load: () => Promise<T>, render: (data: T) => Child | Promise<Child>): Promise<void> {
  target.setAttribute('aria-busy', 'true')
  replace(target, loading(what))
  try {
    const data = await load()
    replace(target, await render(data))
  } catch (error) {
    replace(target, failure(error, () => { void region(target, what, load, render) }))
  } finally {
    target.removeAttribute('aria-busy')
  }
}

/** A live message area for the outcome of actions (success or the server's error). */
export function notice(): { el: HTMLElement; ok: (text: string) => void; fail: (error: unknown, what?: string) => void; clear: () => void } {
  const el = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' })
  return {
    el,
    ok: text => { el.className = 'notice ok'; el.setAttribute('role', 'status'); replace(el, text) },
    // `what` says in plain words what did not happen ("The warehouse was not deleted"), then the server's reason.
    fail: (error, what) => { el.className = 'notice error'; el.setAttribute('role', 'alert'); replace(el, what ? `${what}: ${errorMessage(error)}` : errorMessage(error)) },
    clear: () => { el.className = 'notice'; replace(el) },
  }
}

export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  const id = input.id || uid('f')
  input.id = id
  let hintEl: HTMLElement | null = null
  if (hint) {
    hintEl = h('span', { class: 'hint', id: `${id}-hint` }, hint)
    input.setAttribute('aria-describedby', `${id}-hint`)
  }
  if (input instanceof HTMLInputElement && input.type === 'checkbox') {
    return h('div', { class: 'field check' }, input, h('label', { for: id }, label), hintEl)
  }
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl)
}

export function input(name: string, attrs: Record<string, string | boolean> = {}): HTMLInputElement {
  return h('input', { name, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs })
}

export function select(name: string, options: [string, string][], value?: string): HTMLSelectElement {
  const el = h('select', { name }, ...options.map(([v, text]) => h('option', { value: v }, text)))
  if (value !== undefined) el.value = value
  return el
}

/**
 * A form whose submit runs an action, disables itself while it runs and shows the outcome.
 */
export function form(title: string | null, fields: Child[], submitLabel: string, action: (data: FormData) => Promise<string | void>, extra?: Child, failed?: string): HTMLFormElement {
  const result = notice()
  const button = h('button', { type: 'submit', class: 'primary' }, submitLabel)
  const el = h('form', { class: 'form', 'aria-label': title ?? submitLabel, novalidate: false },
    title ? h('h3', null, title) : null, ...fields, h('div', { class: 'actions' }, button, extra), result.el)
  el.addEventListener('submit', event => {
    event.preventDefault()
    if (!el.reportValidity()) return
    button.disabled = true
    result.clear()
    action(new FormData(el)).then(message => {
      if (message) result.ok(message)
    }, error => result.fail(error, failed)).finally(() => { button.disabled = false })
  })
  return el
}

/** A button that asks for confirmation in a modal dialog before it runs its action. */
export function confirmButton(label: string, question: string, action: () => Promise<void>, onError: (error: unknown) => void, danger = true): HTMLButtonElement {
  const button = h('button', { type: 'button', class: danger ? 'danger' : '' }, label)
  button.addEventListener('click', () => {
    const titleId = uid('dlg')
    const dialog = h('dialog', { 'aria-labelledby': titleId, class: 'dialog' })
    const cancel = h('button', { type: 'button' }, 'Cancel')
    const ok = h('button', { type: 'button', class: danger ? 'danger' : 'primary' }, label)
    replace(dialog, h('h2', { id: titleId }, question), h('div', { class: 'actions' }, cancel, ok))
    const close = () => { dialog.close(); dialog.remove(); button.focus() }
    cancel.addEventListener('click', close)
    dialog.addEventListener('cancel', () => { dialog.remove(); button.focus() })
    ok.addEventListener('click', () => {
      ok.disabled = true
      action().then(close, error => { close(); onError(error) })
    })
    document.body.appendChild(dialog)
    dialog.showModal()
    cancel.focus()
  })
  return button
}

/** A table with a caption (for screen readers) and header row. */
export function table(caption: string, headers: string[], rows: Child[][], hideCaption = true): HTMLElement {
  return h('div', { class: 'table-wrap' },
    h('table', null,
      h('caption', { class: hideCaption ? 'visually-hidden' : '' }, caption),
      h('thead', null, h('tr', null, ...headers.map(x => h('th', { scope: 'col' }, x)))),
      h('tbody', null, ...rows.map(r => h('tr', null, ...r.map(c => h('td', null, c)))))))
}

/** Key/value pairs as a description list. */
export function facts(pairs: [string, Child][]): HTMLElement {
  return h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '—')]))
}

/** Tabs with the ARIA tabs pattern: arrow keys move between tabs, each panel loads when first shown. */
export function tabs(label: string, items: { id: string; title: string; render: () => Child }[], initial?: string): HTMLElement {
  const list = h('div', { role: 'tablist', 'aria-label': label, class: 'tabs' })
  const panels = h('div', { class: 'panels' })
  const buttons: HTMLButtonElement[] = []
  const rendered = new Set<string>()
  const panelEls = new Map<string, HTMLElement>()
  const show = (id: string, focus: boolean) => {
    for (const b of buttons) {
      const selected = b.dataset.tab === id
      b.setAttribute('aria-selected', String(selected))
      b.tabIndex = selected ? 0 : -1
      if (selected && focus) b.focus()
    }
    for (const [pid, panel] of panelEls) panel.hidden = pid !== id
    if (!rendered.has(id)) {
      rendered.add(id)
      const item = items.find(i => i.id === id)
      if (item) replace(panelEls.get(id)!, item.render())
    }
    const url = new URL(window.location.href)
    url.hash = id
    history.replaceState(history.state, '', url)
  }
  for (const item of items) {
    const tabId = uid('tab')
    const panelId = uid('panel')
    const b = h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, 'data-tab': item.id }, item.title)
    b.addEventListener('click', () => show(item.id, false))
    b.addEventListener('keydown', (event: KeyboardEvent) => {
      const i = buttons.indexOf(b)
      let next = -1
      if (event.key === 'ArrowRight') next = (i + 1) % buttons.length
      else if (event.key === 'ArrowLeft') next = (i - 1 + buttons.length) % buttons.length
      else if (event.key === 'Home') next = 0
      else if (event.key === 'End') next = buttons.length - 1
      if (next >= 0) { event.preventDefault(); show(buttons[next].dataset.tab!, true) }
    })
    buttons.push(b)
    list.appendChild(b)
    const panel = h('section', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, tabindex: 0, class: 'panel' })
    panelEls.set(item.id, panel)
    panels.appendChild(panel)
  }
  const start = items.some(i => i.id === initial) ? initial! : items[0].id
  show(start, false)
  return h('div', { class: 'tabbed' }, list, panels)
}

export function time(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}

export function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let v = value
  let i = 0
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i += 1 }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

export function code(text: string, label: string): HTMLElement {
  return h('pre', { class: 'code', tabindex: 0, 'aria-label': label }, h('code', null, text))
}
