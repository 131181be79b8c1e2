// Storage profile and credential fields shared by the wizard and the warehouse page. Secrets go
// from the password field into the request body and nowhere else: never rendered back, never logged.

import { type DeleteProfile } from '../api'
import { h } from '../dom'
import { field, input, select } from '../ui'

export function deleteProfileFields(current?: DeleteProfile): { el: HTMLElement; read: (data: FormData) => DeleteProfile } {
  const kind = select('delete-type', [['hard', 'Hard: dropped tables are gone at once'], ['soft', 'Soft: dropped tables can be undropped until they expire']], current?.type ?? 'hard')
  const seconds = input('expiration-seconds', { type: 'number', min: '1', value: String(current?.type === 'soft' ? current['expiration-seconds'] : 604800) })
  const secondsField = field('Keep dropped tables for (seconds)', seconds, '604800 is one week')
  const sync = () => { secondsField.hidden = kind.value !== 'soft'; seconds.required = kind.value === 'soft' }
  kind.addEventListener('change', sync)
  sync()
  return {
    el: h('fieldset', null, h('legend', null, 'Delete profile'), field('When a table or view is dropped', kind), secondsField),
    read: data => data.get('delete-type') === 'soft' ? { type: 'soft', 'expiration-seconds': Number(data.get('expiration-seconds')) } : { type: 'hard' },
  }
}

export function credentialFields(): { el: HTMLElement; read: (data: FormData) => Record<string, string> | null } {
  return {
    el: h('fieldset', null, h('legend', null, 'S3 credential'),
      field('Access key id', input('access-key-id', { required: true })),
      field('Secret access key', input('secret-access-key', { type: 'password', required: true, autocomplete: 'new-password' }), 'Sent once to the server, stored encrypted, never shown again.')),
    read: data => ({
      type: 's3',
      'credential-type': 'access-key',
      'access-key-id': String(data.get('access-key-id') ?? ''),
      'secret-access-key': String(data.get('secret-access-key') ?? ''),
    }),
  }
}

const SECRET = /secret|password|token|private|credential-value|sas/i

/** The storage profile as shown: every field but anything that looks like a secret. */
export function profileFacts(profile: Record<string, unknown>): [string, string][] {
  return Object.entries(profile)
    .filter(([k]) => !SECRET.test(k))
    .map(([k, v]) => [k, v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v)])
}
