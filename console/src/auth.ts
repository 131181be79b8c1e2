// Login with the server's identity provider: OpenID Connect authorization code + PKCE in the
// browser (oidc-client-ts). The tokens live in this tab's sessionStorage (this origin only, gone
// when the tab closes) and in memory, never in a cookie; they are refreshed before they expire.

import type { User, UserManager } from 'oidc-client-ts'

export interface ConsoleConfig {
  version: string
  'base-path': string
  'authentication-required': boolean
  openid: {
    'provider-uri': string | null
    'client-id': string | null
    scope: string
    'redirect-path': string
    'post-logout-redirect-path': string
    resource: string | null
  }
}

export type AuthMode = 'anonymous' | 'oidc' | 'misconfigured'

export class Auth {
  private manager: UserManager | null = null
  private user: User | null = null
  readonly mode: AuthMode

  private constructor(readonly config: ConsoleConfig) {
    const o = config.openid
    if (!config['authentication-required']) this.mode = 'anonymous'
    else if (o['provider-uri'] && o['client-id']) this.mode = 'oidc'
    else this.mode = 'misconfigured'
  }

  /** The OIDC library is loaded only when the server has an identity provider: anonymous consoles stay small. */
  static async create(config: ConsoleConfig): Promise<Auth> {
    const auth = new Auth(config)
    if (auth.mode === 'oidc') {
      const { UserManager, WebStorageStateStore } = await import('oidc-client-ts')
      auth.init(new UserManager(auth.settings(WebStorageStateStore)))
    }
    return auth
  }

  private settings(Store: typeof import('oidc-client-ts').WebStorageStateStore): import('oidc-client-ts').UserManagerSettings {
    const config = this.config
    const o = config.openid
    const base = window.location.origin + config['base-path']
    return {
      authority: o['provider-uri']!,
      client_id: o['client-id']!,
      redirect_uri: base + o['redirect-path'],
      post_logout_redirect_uri: base + o['post-logout-redirect-path'],
      scope: o.scope,
      response_type: 'code',
      resource: o.resource ?? undefined,
      userStore: new Store({ store: window.sessionStorage }),
      stateStore: new Store({ store: window.sessionStorage }),
      automaticSilentRenew: true,
      accessTokenExpiringNotificationTimeInSeconds: 60,
      loadUserInfo: false,
      monitorSession: false,
    }
  }

  private init(manager: UserManager): void {
    this.manager = manager
    this.manager.events.addUserLoaded(user => { this.user = user })
    this.manager.events.addUserUnloaded(() => { this.user = null })
    this.manager.events.addSilentRenewError(() => { this.user = null })
  }

  get redirectPath(): string { return this.config['base-path'] + this.config.openid['redirect-path'] }
  get postLogoutPath(): string { return this.config['base-path'] + this.config.openid['post-logout-redirect-path'] }

  async load(): Promise<void> {
    if (!this.manager) return
    const user = await this.manager.getUser()
    this.user = user && !user.expired ? user : null
    if (user && user.expired) {
      try { this.user = await this.manager.signinSilent() } catch { this.user = null }
    }
  }

  /** Completes the login the provider redirected back from; answers the console path to go to. */
  async completeLogin(): Promise<string> {
    if (!this.manager) return this.config['base-path'] + '/'
    const user = await this.manager.signinRedirectCallback()
    this.user = user
    const state = user.state as { returnTo?: string } | undefined
    const returnTo = state?.returnTo
    return returnTo && returnTo.startsWith(this.config['base-path'] + '/') ? returnTo : this.config['base-path'] + '/'
  }

  get loggedIn(): boolean { return this.user !== null && !this.user.expired }

  get displayName(): string | null {
    const p = this.user?.profile
    return p ? String(p.name ?? p.preferred_username ?? p.email ?? p.sub) : null
  }

  async token(): Promise<string | null> {
    if (!this.user) return null
    if (this.user.expired && this.manager) {
      try { this.user = await this.manager.signinSilent() } catch { this.user = null }
    }
    return this.user?.access_token ?? null
  }

  async login(returnTo: string): Promise<void> {
    await this.manager?.signinRedirect({ state: { returnTo } })
  }

  async logout(): Promise<void> {
    if (!this.manager) return
    const idToken = this.user?.id_token
    await this.manager.removeUser()
    this.user = null
    await this.manager.signoutRedirect({ id_token_hint: idToken })
  }
}
