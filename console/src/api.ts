// The HTTP client of the console: same-origin calls to /management/v1 and /catalog/v1 with the
// caller's token (when logged in) and the current project. Errors carry the server's message.

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly type: string | null) {
    super(message)
  }

  /** The route does not exist on this server (an API that has not landed, or an older server). */
  get missingRoute(): boolean {
    return (this.status === 404 && (this.type === 'NotFoundException' || this.type === null)) || (this.status === 400 && /no route/i.test(this.message))
  }
}

type TokenSource = () => Promise<string | null>
let tokenSource: TokenSource = async () => null
let onUnauthorized: () => void = () => {}

export function setTokenSource(source: TokenSource, unauthorized: () => void): void {
  tokenSource = source
  onUnauthorized = unauthorized
}

const PROJECT_KEY = 'lakekeeper.project'
let shownProject: string | null = null
/** The project the user chose in this tab, else the one shown by default (not remembered). */
export function currentProject(): string | null {
  return sessionStorage.getItem(PROJECT_KEY) ?? shownProject
}
export function chosenProject(): string | null {
  return sessionStorage.getItem(PROJECT_KEY)
}
export function setCurrentProject(id: string | null, remember = true): void {
  if (!remember) { shownProject = id; return }
  if (id) sessionStorage.setItem(PROJECT_KEY, id)
  else sessionStorage.removeItem(PROJECT_KEY)
}

export interface RequestOptions {
  body?: unknown
  query?: Record<string, string | number | undefined | null>
  project?: boolean
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const url = new URL(path, window.location.origin)
  for (const [k, v] of Object.entries(options.query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v))
  }
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = await tokenSource()
  if (token) headers.Authorization = `Bearer ${token}`
  const project = currentProject()
  if (options.project !== false && project) headers['x-project-id'] = project
  let body: string | undefined
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  let response: Response
  try {
    response = await fetch(url, { method, headers, body, credentials: 'omit', cache: 'no-store' })
  } catch {
    throw new ApiError(0, `The server could not be reached (${method} ${url.pathname}).`, null)
  }
  const text = await response.text()
  if (!response.ok) {
    if (response.status === 401) onUnauthorized()
    throw errorOf(response.status, text, method, url.pathname)
  }
  if (!text) return undefined as T
  try {
    return JSON.parse(text) as T
  } catch {
    throw new ApiError(response.status, `The server answered ${method} ${url.pathname} with a body that is not JSON.`, null)
  }
}

function errorOf(status: number, text: string, method: string, path: string): ApiError {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string; type?: string } }
    if (parsed.error?.message) return new ApiError(status, parsed.error.message, parsed.error.type ?? null)
  } catch {
    // not the error contract: fall through
  }
  return new ApiError(status, `${method} ${path} answered HTTP ${status}${text ? `: ${text.slice(0, 300)}` : ''}`, null)
}

// ---- Management API (Lakekeeper's shapes: shared/specs/lakekeeper-management-open-api.yaml) ----

export interface ServerInfo {
  version: string
  bootstrapped: boolean
  'server-id': string | null
  'default-project-id': string | null
  'authz-backend': string
  queues?: string[]
}
export interface User { id: string; name: string; email?: string | null; 'user-type': string; 'created-at'?: string; 'updated-at'?: string | null }
export interface Project { 'project-id': string; 'project-name': string }
export type StorageProfile = Record<string, unknown> & { type: string }
export type DeleteProfile = { type: 'hard' } | { type: 'soft'; 'expiration-seconds': number }
export interface Warehouse {
  'warehouse-id'?: string
  id?: string
  name: string
  'project-id': string
  'storage-profile': StorageProfile
  'delete-profile'?: DeleteProfile
  status?: string
  protected?: boolean
  'allowed-format-versions'?: number[]
  'default-format-version'?: number | null
  'storage-credential-type'?: string | null
}
export const warehouseId = (w: Warehouse): string => w['warehouse-id'] ?? w.id ?? ''
export interface WarehouseStatistics { timestamp: string; 'number-of-tables': number; 'number-of-views': number; 'updated-at': string }
export interface ValidationCheck { name: string; status: 'passed' | 'failed' | 'skipped'; reason?: string | null; error?: { message: string } | null; 'duration-ms'?: number | null }
export interface DeletedTabular { id: string; name: string; namespace: string[]; typ: string; 'deleted-at': string; 'expiration-date': string; 'created-at': string }
export interface Task {
  'task-id': string; 'queue-name': string; status: string; attempt: number; 'scheduled-for': string; 'created-at': string
  'entity-name'?: string[] | null; 'picked-up-at'?: string | null; progress?: number
}
export interface Role { id: string; name: string; description?: string | null; 'project-id': string; ident?: string; 'created-at'?: string }
export interface RoleMember { type: 'user' | 'role'; id?: string; user?: { id: string; name?: string }; role?: { id: string; name?: string }; name?: string }
export interface Assignment { type: string; user?: string; role?: string }

export const mgmt = {
  info: () => request<ServerInfo>('GET', '/management/v1/info'),
  bootstrap: (isOperator: boolean) => request<void>('POST', '/management/v1/bootstrap', { body: { 'accept-terms-of-use': true, 'is-operator': isOperator } }),
  whoami: () => request<User>('GET', '/management/v1/whoami'),
  projects: () => request<{ projects: Project[] }>('GET', '/management/v1/project-list'),
  createProject: (name: string) => request<{ 'project-id': string }>('POST', '/management/v1/project', { body: { 'project-name': name } }),
  renameProject: (id: string, name: string) => request<void>('POST', `/management/v1/project/${enc(id)}/rename`, { body: { 'new-name': name } }),
  deleteProject: (id: string) => request<void>('DELETE', `/management/v1/project/${enc(id)}`),
  warehouses: () => request<{ warehouses: Warehouse[] }>('GET', '/management/v1/warehouse'),
  warehouse: (id: string) => request<Warehouse>('GET', `/management/v1/warehouse/${enc(id)}`),
  validateWarehouse: (body: unknown) => request<{ valid: boolean; checks: ValidationCheck[] }>('POST', '/management/v1/warehouse-creation-validation', { body }),
  createWarehouse: (body: unknown) => request<Warehouse | { 'warehouse-id': string }>('POST', '/management/v1/warehouse', { body }),
  deleteWarehouse: (id: string) => request<void>('DELETE', `/management/v1/warehouse/${enc(id)}`),
  renameWarehouse: (id: string, name: string) => request<void>('POST', `/management/v1/warehouse/${enc(id)}/rename`, { body: { 'new-name': name } }),
  activate: (id: string, on: boolean) => request<void>('POST', `/management/v1/warehouse/${enc(id)}/${on ? 'activate' : 'deactivate'}`),
  protect: (id: string, on: boolean) => request<{ protected: boolean }>('POST', `/management/v1/warehouse/${enc(id)}/protection`, { body: { protected: on } }),
  setDeleteProfile: (id: string, profile: DeleteProfile) => request<void>('POST', `/management/v1/warehouse/${enc(id)}/delete-profile`, { body: { 'delete-profile': profile } }),
  rotateCredential: (id: string, credential: unknown) => request<void>('POST', `/management/v1/warehouse/${enc(id)}/storage-credential`, { body: { 'new-storage-credential': credential } }),
  statistics: (id: string) => request<{ stats: WarehouseStatistics[]; 'next-page-token'?: string | null }>('GET', `/management/v1/warehouse/${enc(id)}/statistics`, { query: { page_size: 1000 } }),
  deleted: (id: string, pageToken?: string) => request<{ tabulars: DeletedTabular[]; 'next-page-token'?: string | null }>('GET', `/management/v1/warehouse/${enc(id)}/deleted-tabulars`, { query: { pageSize: 100, pageToken } }),
  undrop: (id: string, targets: { type: string; id: string }[]) => request<void>('POST', `/management/v1/warehouse/${enc(id)}/deleted-tabulars/undrop`, { body: { targets } }),
  tasks: (id: string, pageToken?: string) => request<{ tasks: Task[]; 'next-page-token'?: string | null }>('POST', `/management/v1/warehouse/${enc(id)}/task/list`, { body: { 'page-size': 100, 'page-token': pageToken ?? null } }),
  controlTasks: (id: string, action: 'cancel' | 'run-now', ids: string[]) =>
    request<void>('POST', `/management/v1/warehouse/${enc(id)}/task/control`, { body: { action: { 'action-type': action }, 'task-ids': ids } }),
  users: (pageToken?: string) => request<{ users: User[]; 'next-page-token'?: string | null }>('GET', '/management/v1/user', { query: { pageSize: 100, pageToken } }),
  searchUsers: (search: string) => request<{ users: User[] }>('POST', '/management/v1/search/user', { body: { search } }),
  deleteUser: (id: string) => request<void>('DELETE', `/management/v1/user/${enc(id)}`),
  roles: (pageToken?: string) => request<{ roles: Role[]; 'next-page-token'?: string | null }>('GET', '/management/v1/role', { query: { pageSize: 100, pageToken } }),
  searchRoles: (search: string) => request<{ roles: Role[] }>('POST', '/management/v1/search/role', { body: { search } }),
  role: (id: string) => request<Role>('GET', `/management/v1/role/${enc(id)}`),
  createRole: (name: string, description: string) => request<Role>('POST', '/management/v1/role', { body: { name, description: description || null } }),
  deleteRole: (id: string) => request<void>('DELETE', `/management/v1/role/${enc(id)}`),
  roleMembers: (id: string) => request<{ members: RoleMember[] }>('GET', `/management/v1/role/${enc(id)}/members`),
  roleMemberOf: (id: string) => request<{ memberships?: unknown[]; roles?: Role[] } & Record<string, unknown>>('GET', `/management/v1/role/${enc(id)}/member-of`),
  addRoleMember: (id: string, member: { type: 'user' | 'role'; id: string }) => request<void>('POST', `/management/v1/role/${enc(id)}/members`, { body: { members: [member] } }),
  removeRoleMember: (id: string, type: string, member: string) => request<void>('DELETE', `/management/v1/role/${enc(id)}/members/${enc(type)}/${enc(member)}`),
  assignments: (path: string) => request<{ assignments: Assignment[] }>('GET', `/management/v1/permissions/${path}/assignments`),
  updateAssignments: (path: string, writes: Assignment[], deletes: Assignment[]) => request<void>('POST', `/management/v1/permissions/${path}/assignments`, { body: { writes, deletes } }),
}

// ---- Iceberg REST catalog (the warehouse id is the prefix) ----

export const SEP = '\u001f'
export const nsParam = (ns: string[]): string => enc(ns.join(SEP))

export interface TableIdentifier { namespace: string[]; name: string }
export interface NamespaceResponse { namespace: string[]; properties?: Record<string, string> }

export const catalog = {
  namespaces: (w: string, parent: string[] | null, pageToken?: string) =>
    request<{ namespaces: string[][]; 'next-page-token'?: string | null }>('GET', `/catalog/v1/${enc(w)}/namespaces`, {
      query: { parent: parent && parent.length ? parent.join(SEP) : undefined, pageToken, pageSize: 100 },
    }),
  namespace: (w: string, ns: string[]) => request<NamespaceResponse>('GET', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}`),
  createNamespace: (w: string, ns: string[], properties: Record<string, string>) =>
    request<NamespaceResponse>('POST', `/catalog/v1/${enc(w)}/namespaces`, { body: { namespace: ns, properties } }),
  dropNamespace: (w: string, ns: string[]) => request<void>('DELETE', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}`),
  updateProperties: (w: string, ns: string[], updates: Record<string, string>, removals: string[]) =>
    request<unknown>('POST', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}/properties`, { body: { updates, removals } }),
  tables: (w: string, ns: string[], pageToken?: string) =>
    request<{ identifiers: TableIdentifier[]; 'next-page-token'?: string | null }>('GET', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}/tables`, { query: { pageToken, pageSize: 100 } }),
  views: (w: string, ns: string[], pageToken?: string) =>
    request<{ identifiers: TableIdentifier[]; 'next-page-token'?: string | null }>('GET', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}/views`, { query: { pageToken, pageSize: 100 } }),
  table: (w: string, ns: string[], name: string) =>
    request<{ 'metadata-location'?: string; metadata: TableMetadata }>('GET', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}/tables/${enc(name)}`),
  dropTable: (w: string, ns: string[], name: string) => request<void>('DELETE', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}/tables/${enc(name)}`),
  view: (w: string, ns: string[], name: string) =>
    request<{ 'metadata-location'?: string; metadata: ViewMetadata }>('GET', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}/views/${enc(name)}`),
  dropView: (w: string, ns: string[], name: string) => request<void>('DELETE', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}/views/${enc(name)}`),
  events: (w: string, token: string | null) =>
    request<{ events: ChangeEvent[]; 'continuation-token'?: string | null }>('POST', `/catalog/v1/${enc(w)}/events`, { body: { 'page-size': 100, 'continuation-token': token } }),
}

export type IcebergType = string | StructType | ListType | MapType
export interface Field { id: number; name: string; type: IcebergType; required: boolean; doc?: string }
export interface StructType { type: 'struct'; fields: Field[] }
export interface ListType { type: 'list'; 'element-id': number; element: IcebergType; 'element-required': boolean }
export interface MapType { type: 'map'; 'key-id': number; key: IcebergType; 'value-id': number; value: IcebergType; 'value-required': boolean }
export interface Schema extends StructType { 'schema-id': number; 'identifier-field-ids'?: number[] }
export interface Snapshot {
  'snapshot-id': number; 'parent-snapshot-id'?: number; 'sequence-number'?: number; 'timestamp-ms': number
  'manifest-list'?: string; summary?: Record<string, string>; 'schema-id'?: number
}
export interface TableMetadata {
  'format-version': number; 'table-uuid': string; location: string; 'last-updated-ms': number
  'current-schema-id'?: number; schemas?: Schema[]; schema?: Schema
  'default-spec-id'?: number; 'partition-specs'?: { 'spec-id': number; fields: { name: string; transform: string; 'source-id': number; 'field-id'?: number }[] }[]
  'default-sort-order-id'?: number; 'sort-orders'?: { 'order-id': number; fields: { transform: string; 'source-id': number; direction: string; 'null-order': string }[] }[]
  properties?: Record<string, string>
  'current-snapshot-id'?: number | null; snapshots?: Snapshot[]
  refs?: Record<string, { 'snapshot-id': number; type: 'branch' | 'tag'; 'max-ref-age-ms'?: number; 'max-snapshot-age-ms'?: number; 'min-snapshots-to-keep'?: number }>
  'snapshot-log'?: { 'snapshot-id': number; 'timestamp-ms': number }[]
  'metadata-log'?: { 'metadata-file': string; 'timestamp-ms': number }[]
}
export interface ViewVersion {
  'version-id': number; 'timestamp-ms': number; 'schema-id': number; summary?: Record<string, string>
  representations: { type: string; sql: string; dialect: string }[]; 'default-namespace'?: string[]; 'default-catalog'?: string | null
}
export interface ViewMetadata {
  'view-uuid': string; 'format-version': number; location: string; 'current-version-id': number
  versions: ViewVersion[]; 'version-log'?: { 'version-id': number; 'timestamp-ms': number }[]; schemas: Schema[]; properties?: Record<string, string>
}
export interface ChangeEvent {
  'event-id': string; 'timestamp-ms': number; actor?: Record<string, unknown>
  operation: { 'operation-type': string; identifier?: TableIdentifier; namespace?: string[] } & Record<string, unknown>
}

function enc(value: string): string {
  return encodeURIComponent(value)
}
