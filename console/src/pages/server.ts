import { mgmt } from '../api'
import { heading, type PageContext } from '../app'
import { h } from '../dom'
import { facts, field, form, input, region } from '../ui'

export function serverPage(ctx: PageContext): void {
  const infoBox = h('section', { 'aria-labelledby': 'server-info' })
  const whoBox = h('section', { 'aria-labelledby': 'server-who' })
  ctx.main.append(heading(ctx, 'Server'), infoBox, whoBox)

  void region(infoBox, 'server information', () => mgmt.info(), info => {
    const parts = [
      h('h2', { id: 'server-info' }, 'Server information'),
      facts([
        ['Version', info.version],
        ['Server id', info['server-id'] ?? 'not bootstrapped'],
        ['Bootstrapped', info.bootstrapped ? 'yes' : 'no'],
        ['Default project', info['default-project-id'] ?? 'none'],
        ['Authorization', info['authz-backend']],
        ['Task queues', info.queues?.join(', ') || '—'],
      ]),
    ]
    if (!info.bootstrapped) {
      const operator = input('operator', { type: 'checkbox' })
      const terms = input('terms', { type: 'checkbox', required: true })
      parts.push(h('div', { class: 'callout' },
        h('h2', null, 'Bootstrap this server'),
        h('p', null, 'A fresh server must be bootstrapped once. You become its admin (or operator) and the default project is created.'),
        form(null, [
          field('I accept the terms of use (Apache License 2.0)', terms),
          field('Make me operator instead of admin', operator),
        ], 'Bootstrap', async data => {
          await mgmt.bootstrap(data.get('operator') === 'on')
          window.setTimeout(() => { ctx.refreshProjects(); ctx.go('/') }, 600)
          return 'The server is bootstrapped.'
        })))
    } else {
      parts.push(h('p', null, 'Next: ', h('a', { href: `${ctx.base}/warehouses` }, 'browse the warehouses'), ' or ', h('a', { href: `${ctx.base}/projects` }, 'manage projects'), '.'))
    }
    return parts
  })

  void region(whoBox, 'your identity', () => mgmt.whoami().catch(error => {
    if (error && typeof error === 'object' && 'status' in error && (error as { status: number }).status === 404) return null
    throw error
  }), user => [
    h('h2', { id: 'server-who' }, 'You'),
    user
      ? facts([['Name', user.name], ['User id', user.id], ['E-mail', user.email ?? '—'], ['Type', user['user-type']]])
      : h('p', null, ctx.auth.mode === 'anonymous' ? 'You are anonymous: this server has no identity provider.' : 'You are not registered as a user yet.'),
  ])
}
