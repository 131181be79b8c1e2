// Storage profile, credential and delete profile fields shared by the wizard and the warehouse page,
// and the table of a dry run's checks. Secrets go from the password field into the request body and
// nowhere else: never rendered back, never logged.

import { type DeleteProfile, type S3Profile, type StorageCredential, type ValidationReport } from '../api'
import { h } from '../dom'
import { field, input, select, table } from '../ui'

export function deleteProfileFields(current?: DeleteProfile): { el: HTMLElement; read: (data: FormData) => DeleteProfile } {
  const kind = select('delete-type', [['hard', 'Hard: dropped tables are gone at once'], ['soft', 'Soft: dropped tables can be undropped until they expire']], current?.type ?? 'hard')
  const seconds = input('expiration-seconds', { type: 'number', min: '1', max: '315360000', value: String(current?.type === 'soft' ? current['expiration-seconds'] : 604800) })
  const secondsField = field('Keep dropped tables for (seconds)', seconds, '604800 is one week')
  const sync = () => { secondsField.hidden = kind.value !== 'soft'; seconds.required = kind.value === 'soft' }
  kind.addEventListener('change', sync)
  sync()
  return {
    el: h('fieldset', null, h('legend', null, 'Delete profile'), field('When a table or view is dropped', kind), secondsField),
    read: data => data.get('delete-type') === 'soft' ? { type: 'soft', 'expiration-seconds': Number(data.get('expiration-seconds')) } : { type: 'hard' },
  }
}

export function credentialFields(): { el: HTMLElement; read: () => StorageCredential; clear: () => void; require: (on: boolean) => void } {
  const keyId = input('access-key-id', { required: true })
  const secret = input('secret-access-key', { type: 'password', required: true, autocomplete: 'new-password' })
  const session = input('session-token', { type: 'password', autocomplete: 'off' })
  return {
    el: h('fieldset', null, h('legend', null, 'S3 credential'),
      field('Access key id', keyId),
      field('Secret access key', secret, 'Sent once to the server, stored encrypted, never shown again.'),
      field('Session token (optional)', session, 'Only for temporary keys.')),
    read: () => ({
      type: 's3',
      'credential-type': 'access-key',
      'access-key-id': keyId.value.trim(),
      'secret-access-key': secret.value,
      ...(session.value ? { 'session-token': session.value } : {}),
    }),
    clear: () => { for (const el of [keyId, secret, session]) el.value = '' },
    require: on => { keyId.required = on; secret.required = on },
  }
}

/**
 * The S3 profile: where the warehouse lives (bucket, region, endpoint, key prefix, addressing) and
 * what engines get (STS credential vending, remote signing, whether they may delete). With `current`,
 * the location fields are read-only (a warehouse cannot move: the server refuses a new bucket or
 * prefix), and the stored fields the form does not show (session tags, storage layout, alternative
 * protocols) are sent back as they are: saving the form changes only what it shows.
 */
export function s3ProfileFields(current?: S3Profile): { el: HTMLElement; read: () => S3Profile; require: (on: boolean) => void } {
  const moving = !current
  const text = (name: string, value: string | null | undefined, attrs: Record<string, string | boolean> = {}) =>
    input(name, { value: value ?? '', ...attrs })
  const bucket = text('bucket', current?.bucket, { placeholder: 'my-bucket', readonly: !moving })
  const region = text('region', current?.region, { placeholder: 'us-east-1' })
  const endpoint = text('endpoint', current?.endpoint, { type: 'url', placeholder: 'https://s3.example.com' })
  const prefix = text('key-prefix', current?.['key-prefix'], { placeholder: 'warehouses/sales', readonly: !moving })
  const pathStyle = input('path-style-access', { type: 'checkbox', checked: Boolean(current?.['path-style-access']) })
  const flavor = select('flavor', [['aws', 'AWS S3'], ['s3-compat', 'S3-compatible (MinIO, Ceph, …)']], current?.flavor ?? 'aws')
  const sts = input('sts-enabled', { type: 'checkbox', checked: Boolean(current?.['sts-enabled']) })
  const stsRole = text('sts-role-arn', current?.['sts-role-arn'], { placeholder: 'arn:aws:iam::123456789012:role/lake-reader' })
  const assumeRole = text('assume-role-arn', current?.['assume-role-arn'])
  const stsEndpoint = text('sts-endpoint', current?.['sts-endpoint'], { type: 'url', placeholder: 'empty: AWS STS, or the endpoint above' })
  const validity = text('sts-token-validity-seconds', current?.['sts-token-validity-seconds']?.toString(), { type: 'number', min: '900', max: '43200', placeholder: '3600' })
  const signing = input('remote-signing-enabled', { type: 'checkbox', checked: current?.['remote-signing-enabled'] ?? true })
  const urlStyle = select('remote-signing-url-style', [['auto', 'Automatic'], ['path', 'Path style'], ['virtual-host', 'Virtual host']], current?.['remote-signing-url-style'] ?? 'auto')
  const kms = text('aws-kms-key-arn', current?.['aws-kms-key-arn'])
  const deletes = select('push-s3-delete-disabled', [
    ['', 'Where drops are hard; not where they are soft (default)'],
    ['false', 'Yes'],
    ['true', 'No: engines are told not to, and cannot'],
  ], current?.['push-s3-delete-disabled'] == null ? '' : String(current['push-s3-delete-disabled']))
  const legacyMd5 = input('legacy-md5-behavior', { type: 'checkbox', checked: Boolean(current?.['legacy-md5-behavior']) })
  const stsFields = h('div', { class: 'nested' },
    field('STS role ARN', stsRole, 'The role vended credentials assume.'),
    field('Assume role ARN', assumeRole, 'Used when no STS role ARN is set.'),
    field('STS endpoint', stsEndpoint),
    field('Vended credential lifetime (seconds)', validity, '900 to 43200; empty means 3600.'))
  const signingFields = h('div', { class: 'nested' }, field('URL style engines sign with', urlStyle))
  const sync = () => { stsFields.hidden = !sts.checked; signingFields.hidden = !signing.checked }
  sts.addEventListener('change', sync)
  signing.addEventListener('change', sync)
  sync()
  const location = moving ? null : h('p', { class: 'hint' }, 'The bucket and key prefix are the warehouse’s location and cannot change.')
  const el = h('div', null,
    h('fieldset', null, h('legend', null, 'S3 location'), location,
      field('Bucket', bucket), field('Region', region, 'The region requests are signed for; S3-compatible servers often accept any.'),
      field('Endpoint', endpoint, 'Empty for AWS; the URL of an S3-compatible server otherwise.'),
      field('Key prefix', prefix, 'A folder inside the bucket (no leading slash).'),
      field('Path-style access (MinIO, s3rver, …)', pathStyle), field('Flavor', flavor),
      field('Legacy MD5 checksums', legacyMd5, 'For older S3-compatible servers that refuse the AWS SDK’s newer checksums on deletes.')),
    h('fieldset', null, h('legend', null, 'Access for engines'),
      field('Vend temporary credentials (STS)', sts, 'Engines get short-lived keys scoped to one table.'), stsFields,
      field('Remote signing', signing, 'Engines may have their S3 requests signed by this server.'), signingFields,
      field('Engines may delete files', deletes, 'Spark’s DROP … PURGE deletes files itself, which would defeat soft deletion.'),
      field('KMS key ARN (optional)', kms)))
  const opt = (el: HTMLInputElement) => (el.value.trim() ? el.value.trim() : null)
  return {
    el,
    read: () => ({
      ...current,
      type: 's3',
      bucket: bucket.value.trim(),
      region: region.value.trim(),
      endpoint: opt(endpoint),
      'key-prefix': opt(prefix),
      'path-style-access': pathStyle.checked,
      flavor: flavor.value === 's3-compat' ? 's3-compat' : 'aws',
      'sts-enabled': sts.checked,
      'sts-role-arn': sts.checked ? opt(stsRole) : null,
      'assume-role-arn': sts.checked ? opt(assumeRole) : null,
      'sts-endpoint': sts.checked ? opt(stsEndpoint) : null,
      'sts-token-validity-seconds': sts.checked && validity.value ? Number(validity.value) : null,
      'remote-signing-enabled': signing.checked,
      'remote-signing-url-style': urlStyle.value === 'path' ? 'path' : urlStyle.value === 'virtual-host' ? 'virtual-host' : 'auto',
      'aws-kms-key-arn': opt(kms),
      'push-s3-delete-disabled': deletes.value === '' ? null : deletes.value === 'true',
      'legacy-md5-behavior': legacyMd5.checked ? true : current?.['legacy-md5-behavior'] === false ? false : null,
    }),
    require: on => { bucket.required = on; region.required = on },
  }
}

const CHECK_NAMES: Record<string, string> = {
  'profile-well-formed': 'The settings are well formed',
  'warehouse-name-valid': 'The name is valid and free',
  'format-version-policy-consistent': 'The format versions are consistent',
  'managed-by-allowed': 'The management mode is allowed',
  'location-exclusive': 'No other warehouse uses this location',
  'profile-compatible': 'The warehouse keeps its location',
  'lakekeeper-read-write': 'The server can write, read and list there',
  'vended-credentials-issued': 'Temporary credentials can be issued (STS)',
  cleanup: 'The probe was cleaned up',
}

/** A dry run's outcome: a sentence, then one row per check with its status and the server's words. */
export function checksView(report: ValidationReport): HTMLElement[] {
  return [
    h('p', { class: report.valid ? 'ok' : 'error', role: report.valid ? 'status' : 'alert' },
      report.valid ? 'Every check passed.' : `${report.checks.filter(c => c.status === 'failed').length} of ${report.checks.length} checks failed: fix the settings and run the checks again.`),
    table('Checks', ['Check', 'Status', 'Details'], report.checks.map(c => [
      h('span', null, CHECK_NAMES[c.name] ?? c.name, ' ', h('code', null, c.name)),
      h('span', { class: `badge ${c.status}` }, c.status),
      c.error?.message ?? c.reason ?? (c['duration-ms'] != null ? `${c['duration-ms']} ms` : ''),
    ]), false),
  ]
}

const SECRET = /secret|password|token|private|credential-value|sas/i

/** The storage profile as shown: every field but anything that looks like a secret. */
export function profileFacts(profile: Record<string, unknown>): [string, string][] {
  return Object.entries(profile)
    .filter(([k]) => !SECRET.test(k) || k === 'sts-token-validity-seconds')
    .map(([k, v]) => [k, v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v)])
}
