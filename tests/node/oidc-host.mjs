// A real OpenID Connect provider (npm oidc-provider) for the .NET tests and `./lakekeeper up --oidc`.
// Usage: node oidc-host.mjs <config.json>
//   config: {
//     "port": 0,                        // 0 picks a free port
//     "audience": "lakekeeper",         // aud of every access token
//     "keys": [ <private JWK>, ... ],   // signing keys (RS256 / ES256 / PS256 ...); each with kid and alg
//     "clients": [ { "client_id": "...", "client_secret": "...", "alg": "RS256", "auth_method": "client_secret_post",
//                    "claims": { "name": "...", "email": "...", "roles": [...] } } ]
//   }
//     "ui_client": { "client_id": "lakekeeper-ui", "redirect_uris": [...], "post_logout_redirect_uris": [...],
//                    "access_token_ttl": 3600 }   // optional: the web console's public client
//   }
// Tokens: client-credentials grant at <issuer>/token (HTTP basic client authentication); JWT access
// tokens with the client's extra claims, signed with the client's algorithm. With "ui_client": the
// authorization code grant with PKCE for that public client, a login page that accepts any login
// (oidc-provider's development interactions: the login becomes the subject, and name and e-mail
// claims), consent taken as given, refresh tokens, and RP-initiated logout.
// Prints {"issuer": "...", "port": N} once it listens on 127.0.0.1. Reads JSON lines on stdin:
//   {"keys": [ ... ]}  replaces the signing keys (key rotation), answers {"rotated": [kid, ...]}
// and exits when stdin closes, unless the config says "daemon": true (`./lakekeeper up --oidc`).
import { readFileSync } from 'node:fs'
import http from 'node:http'
import readline from 'node:readline'
import Provider from 'oidc-provider'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const clientsById = new Map(config.clients.map(c => [c.client_id, c]))
const ui = config.ui_client ?? null
const isUi = client => ui !== null && client?.clientId === ui.client_id
const ttl = config.accessTokenTtl ?? 3600

function createProvider(issuer, keys) {
  const provider = new Provider(issuer, {
    jwks: { keys },
    clients: [...config.clients.map(c => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      // Iceberg clients (PyIceberg, Spark) send client_id and client_secret in the form body.
      token_endpoint_auth_method: c.auth_method ?? 'client_secret_basic',
    })), ...(ui ? [{
      client_id: ui.client_id,
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ui.redirect_uris,
      post_logout_redirect_uris: ui.post_logout_redirect_uris ?? [],
    }] : [])],
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, name: sub, email: `${sub}@example.com`, preferred_username: sub }),
    }),
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    // The console is a first-party client: its consent is taken as given.
    loadExistingGrant: async ctx => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId)
      if (grantId) return ctx.oidc.provider.Grant.find(grantId)
      if (!isUi(ctx.oidc.client) || !ctx.oidc.session.accountId) return undefined
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId })
      grant.addOIDCScope('openid profile email offline_access')
      grant.addResourceScope('urn:lakekeeper', 'lakekeeper catalog openid profile email offline_access')
      await grant.save()
      return grant
    },
    issueRefreshToken: async (_ctx, client) => isUi(client) && client.grantTypeAllowed('refresh_token'),
    features: {
      devInteractions: { enabled: ui !== null },
      rpInitiatedLogout: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // A resource indicator must be an absolute URI; the token's audience is the configured string.
        defaultResource: () => 'urn:lakekeeper',
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, _resource, client) => ({
          // 'catalog' is the scope Iceberg clients (PyIceberg, Spark) ask for by default.
          scope: 'lakekeeper catalog openid profile email',
          audience: config.audience,
          accessTokenTTL: isUi(client) ? ui.access_token_ttl ?? ttl : ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: clientsById.get(client.clientId)?.alg ?? keys[0].alg } },
        }),
      },
    },
    ttl: { AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl, ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl, RefreshToken: 86400, Session: 86400, Grant: 86400, Interaction: 3600, IdToken: 3600, AuthorizationCode: 60 },
    extraTokenClaims: (_ctx, token) => token.accountId
      ? { name: token.accountId, email: `${token.accountId}@example.com` }
      : clientsById.get(token.clientId)?.claims ?? undefined,
    enabledJWA: {
      // Offer every asymmetric algorithm the keys may use.
      authorizationSigningAlgValues: ['RS256', 'PS256', 'ES256', 'ES384', 'RS384', 'RS512', 'PS384', 'PS512', 'ES512', 'EdDSA'],
    },
  })
  provider.on('server_error', (_ctx, error) => console.error(error && error.stack || String(error)))
  return provider
}

let handler = null
const server = http.createServer((req, res) => handler(req, res))
server.listen(config.port ?? 0, '127.0.0.1', () => {
  const port = server.address().port
  const issuer = `http://127.0.0.1:${port}`
  handler = createProvider(issuer, config.keys).callback()
  process.stdout.write(JSON.stringify({ issuer, port }) + '\n')

  const lines = readline.createInterface({ input: process.stdin })
  lines.on('line', line => {
    if (!line.trim()) return
    const command = JSON.parse(line)
    if (command.keys) {
      handler = createProvider(issuer, command.keys).callback()
      process.stdout.write(JSON.stringify({ rotated: command.keys.map(k => k.kid) }) + '\n')
    }
  })
  if (!config.daemon) lines.on('close', () => { server.close(); process.exit(0) })
})
