// The shell of the console: routes, header (project switcher, login state), navigation, banner.

import { chosenProject, mgmt, setCurrentProject, type ServerInfo } from './api'
import type { Auth } from './auth'
import { h, replace, type Child } from './dom'
import { errorMessage } from './ui'

export interface PageContext {
  main: HTMLElement
  params: string[]
  query: URLSearchParams
  hash: string
  auth: Auth
  base: string
  info: () => Promise<ServerInfo>
  go: (path: string) => void
  refreshProjects: () => void
}

export type Page = (ctx: PageContext) => void | Promise<void>

interface Route { pattern: RegExp; page: () => Promise<Page>; nav: string }

const seg = '([^/]+)'
// Pages load on demand: the first load fetches only the shell and the page it opens.
const routes: Route[] = [
  { pattern: /^\/$/, nav: 'server', page: async () => (await import('./pages/server')).serverPage },
  { pattern: /^\/projects$/, nav: 'projects', page: async () => (await import('./pages/projects')).projectsPage },
  { pattern: /^\/warehouses$/, nav: 'warehouses', page: async () => (await import('./pages/warehouses')).warehousesPage },
  { pattern: /^\/warehouses\/new$/, nav: 'warehouses', page: async () => (await import('./pages/wizard')).wizardPage },
  { pattern: new RegExp(`^/warehouses/${seg}$`), nav: 'warehouses', page: async () => (await import('./pages/warehouse')).warehousePage },
  { pattern: new RegExp(`^/warehouses/${seg}/namespaces(?:/${seg})?$`), nav: 'warehouses', page: async () => (await import('./pages/namespaces')).namespacesPage },
  { pattern: new RegExp(`^/warehouses/${seg}/namespaces/${seg}/tables/${seg}$`), nav: 'warehouses', page: async () => (await import('./pages/table')).tablePage },
  { pattern: new RegExp(`^/warehouses/${seg}/namespaces/${seg}/views/${seg}$`), nav: 'warehouses', page: async () => (await import('./pages/view')).viewPage },
  { pattern: new RegExp(`^/warehouses/${seg}/deleted$`), nav: 'warehouses', page: async () => (await import('./pages/deleted')).deletedPage },
  { pattern: new RegExp(`^/warehouses/${seg}/tasks$`), nav: 'warehouses', page: async () => (await import('./pages/tasks')).tasksPage },
  { pattern: new RegExp(`^/warehouses/${seg}/tasks/${seg}$`), nav: 'warehouses', page: async () => (await import('./pages/tasks')).taskPage },
  { pattern: new RegExp(`^/warehouses/${seg}/events$`), nav: 'warehouses', page: async () => (await import('./pages/events')).eventsPage },
  { pattern: /^\/users$/, nav: 'users', page: async () => (await import('./pages/users')).usersPage },
  { pattern: /^\/roles$/, nav: 'roles', page: async () => (await import('./pages/roles')).rolesPage },
  { pattern: new RegExp(`^/roles/${seg}$`), nav: 'roles', page: async () => (await import('./pages/roles')).rolePage },
  { pattern: /^\/permissions\/(.+)$/, nav: 'permissions', page: async () => (await import('./pages/permissions')).permissionsPage },
]

const NAV: [string, string, string][] = [
  ['server', '/', 'Server'],
  ['projects', '/projects', 'Projects'],
  ['warehouses', '/warehouses', 'Warehouses'],
  ['users', '/users', 'Users'],
  ['roles', '/roles', 'Roles'],
  ['permissions', '/permissions/server', 'Permissions'],
]

export function start(root: HTMLElement, auth: Auth): void {
  const base = auth.config['base-path']
  let infoPromise: Promise<ServerInfo> | null = null
  const info = () => (infoPromise ??= mgmt.info().catch(error => { infoPromise = null; throw error }))
  const main = h('main', { id: 'main', tabindex: -1 })
  const nav = h('nav', { 'aria-label': 'Main', class: 'side' })
  const projectSelect = h('select', { id: 'project-switch', name: 'project' })
  const projectBox = h('div', { class: 'project' }, h('label', { for: 'project-switch' }, 'Project'), projectSelect)
  const userBox = h('div', { class: 'user' })

  const go = (path: string) => {
    history.pushState(null, '', base + path)
    void render(true)
  }

  const loadProjects = () => {
    mgmt.projects().then(async ({ projects }) => {
      let current = chosenProject()
      if (!current || !projects.some(p => p['project-id'] === current)) {
        // Nothing chosen in this tab: show the server's default project (else the first), without remembering it.
        if (current) setCurrentProject(null)
        const fallback = await info().then(i => i['default-project-id'], () => null)
        current = projects.find(p => p['project-id'] === fallback)?.['project-id'] ?? projects[0]?.['project-id'] ?? null
        setCurrentProject(current, false)
      }
      replace(projectSelect, ...projects.map(p => h('option', { value: p['project-id'] }, p['project-name'])))
      if (projects.length === 0) projectSelect.appendChild(h('option', { value: '' }, 'No projects'))
      projectSelect.value = current ?? ''
      projectSelect.disabled = projects.length === 0
    }, () => {
      replace(projectSelect, h('option', { value: '' }, 'Projects unavailable'))
      projectSelect.disabled = true
    })
  }
  projectSelect.addEventListener('change', () => {
    setCurrentProject(projectSelect.value || null)
    void render(false)
  })

  if (auth.mode === 'oidc') {
    const logout = h('button', { type: 'button', class: 'link' }, 'Log out')
    logout.addEventListener('click', () => { void auth.logout() })
    replace(userBox, h('span', { class: 'who' }, 'Signed in as ', h('strong', null, auth.displayName ?? 'unknown')), logout)
  } else {
    replace(userBox, h('span', { class: 'who' }, 'Anonymous'))
  }

  const banner = auth.mode === 'anonymous'
    ? h('div', { class: 'banner', role: 'note', id: 'anonymous-banner' },
      h('strong', null, 'Anonymous access. '),
      'This server has no identity provider configured: anyone who can reach it may do anything. Configure LAKEKEEPER__OPENID_PROVIDER_URI before sharing it.')
    : null

  replace(root,
    h('header', { class: 'top' }, h('a', { class: 'brand', href: `${base}/` }, 'Lakekeeper'), projectBox, userBox),
    banner,
    h('div', { class: 'layout' }, nav, main))

  // The skip link moves focus into the content (a fragment alone would only scroll).
  document.querySelector('a.skip')?.addEventListener('click', event => { event.preventDefault(); main.focus() })

  document.addEventListener('click', event => {
    const target = event.target instanceof Element ? event.target.closest('a') : null
    if (!target || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    if (target.target || target.hasAttribute('download')) return
    const url = new URL(target.href, window.location.href)
    if (url.origin !== window.location.origin || !(url.pathname === base || url.pathname.startsWith(base + '/'))) return
    if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) return
    event.preventDefault()
    history.pushState(null, '', url.pathname + url.search + url.hash)
    void render(true)
  })
  window.addEventListener('popstate', () => { void render(true) })

  const ctxBase = { auth, base, info, go, refreshProjects: loadProjects }

  async function render(focus: boolean): Promise<void> {
    const path = window.location.pathname.slice(base.length) || '/'
    const route = routes.find(r => r.pattern.test(path))
    replace(nav, h('ul', null, ...NAV.map(([id, href, title]) => h('li', null,
      h('a', { href: base + href, 'aria-current': route?.nav === id ? 'page' : null }, title)))))
    const page = h('div', { class: 'page' })
    replace(main, page)
    if (!route) {
      document.title = 'Not found · Lakekeeper'
      replace(page, h('h1', null, 'Page not found'), h('p', null, 'No console page at ', h('code', null, window.location.pathname), '. ', h('a', { href: `${base}/` }, 'Go to the server page.')))
    } else {
      const params = (path.match(route.pattern) ?? []).slice(1).map(p => (p === undefined ? '' : decodeURIComponent(p)))
      try {
        const run = await route.page()
        await run({ ...ctxBase, main: page, params, query: new URLSearchParams(window.location.search), hash: window.location.hash.slice(1) })
      } catch (error) {
        replace(page, h('h1', null, 'This page failed to load'), h('p', { role: 'alert', class: 'state error' }, errorMessage(error)))
      }
    }
    if (focus) {
      const heading = page.querySelector('h1')
      if (heading) { heading.tabIndex = -1; heading.focus() }
    }
  }

  loadProjects()
  void render(false)
}

/** The page heading with breadcrumbs. */
export function heading(ctx: PageContext, title: string, crumbs: [string, string][] = [], ...after: Child[]): HTMLElement {
  document.title = `${title} · Lakekeeper`
  return h('div', { class: 'page-head' },
    crumbs.length ? h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('ol', null, ...crumbs.map(([text, href]) => h('li', null, h('a', { href: ctx.base + href }, text))))) : null,
    h('h1', null, title), ...after)
}
