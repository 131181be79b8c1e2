import './style.css'
import { setTokenSource } from './api'
import { start } from './app'
import { Auth, type ConsoleConfig } from './auth'
import { h, replace } from './dom'
import { errorMessage } from './ui'

async function boot(root: HTMLElement): Promise<void> {
  const response = await fetch('/ui/config.json', { cache: 'no-store', credentials: 'omit' })
  if (!response.ok) throw new Error(`The console settings could not be loaded (HTTP ${response.status}).`)
  const config = (await response.json()) as ConsoleConfig
  const auth = await Auth.create(config)
  const path = window.location.pathname

  if (auth.mode === 'misconfigured') {
    document.title = 'Login not configured · Lakekeeper'
    replace(root, h('main', { id: 'main', class: 'center' }, h('h1', null, 'Login is not configured'),
      h('p', { role: 'alert' }, 'This server requires a token for every call, but the console has no OpenID client: set LAKEKEEPER__UI__OPENID_CLIENT_ID (and LAKEKEEPER__UI__OPENID_PROVIDER_URI when the console logs in with another provider).')))
    return
  }
  if (auth.mode === 'oidc' && path === auth.redirectPath) {
    const next = await auth.completeLogin()
    history.replaceState(null, '', next)
  }
  if (auth.mode === 'oidc' && path === auth.postLogoutPath) {
    history.replaceState(null, '', config['base-path'] + '/')
    loginPage(root, auth, 'You are logged out.')
    return
  }
  await auth.load()
  if (auth.mode === 'oidc' && !auth.loggedIn) {
    loginPage(root, auth, null)
    return
  }
  setTokenSource(() => auth.token(), () => {
    if (auth.mode === 'oidc' && !auth.loggedIn) loginPage(root, auth, 'Your session has ended. Log in again.')
  })
  start(root, auth)
}

function loginPage(root: HTMLElement, auth: Auth, message: string | null): void {
  document.title = 'Log in · Lakekeeper'
  const button = h('button', { type: 'button', class: 'primary' }, 'Log in')
  const status = h('p', { role: 'status' })
  button.addEventListener('click', () => {
    button.disabled = true
    const back = window.location.pathname.startsWith(auth.postLogoutPath) ? auth.config['base-path'] + '/' : window.location.pathname + window.location.search
    auth.login(back).catch(error => { button.disabled = false; replace(status, errorMessage(error)) })
  })
  replace(root, h('main', { id: 'main', class: 'center login' },
    h('h1', null, 'Lakekeeper'),
    message ? h('p', { role: 'status' }, message) : null,
    h('p', null, 'Log in with your organisation’s identity provider to manage this catalog.'),
    button, status))
}

const root = document.getElementById('app')!
boot(root).catch(error => {
  replace(root, h('main', { id: 'main', class: 'center' }, h('h1', null, 'The console could not start'), h('p', { role: 'alert' }, errorMessage(error))))
})
