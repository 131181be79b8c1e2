import type { components, paths } from './generated/management'

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
  query?: Record<string, string | number | boolean | string[] | undefined | null>
  project?: boolean
  /** The project this call is about, when it is not the current one. */
  projectId?: string
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const url = new URL(path, window.location.origin)
  for (const [k, v] of Object.entries(options.query ?? {})) {
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item)
    else if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v))
  }
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = await tokenSource()
  if (token) headers.Authorization = `Bearer ${token}`
  const project = options.projectId ?? currentProject()
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

// ---- Management API, typed from contracts/management-open-api.json ----
// `npm run build` generates src/generated/management.ts from the committed contract (openapi-typescript,
// types only: nothing of it reaches the bundle), so a console call whose path, parameters or body the
// server's contract does not have fails the build instead of failing in a user's browser.

type Method = 'get' | 'post' | 'put' | 'delete'
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>
/** The paths that have an operation for method M. */
type PathsOf<M extends Method> = { [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P }[keyof paths]
type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : void
type BodyOf<O> = O extends { requestBody: infer R } ? JsonOf<R> : O extends { requestBody?: infer R } ? JsonOf<NonNullable<R>> : never
type OkOf<O> = O extends { responses: infer R } ? (200 extends keyof R ? JsonOf<R[200]> : 201 extends keyof R ? JsonOf<R[201]> : void) : never
type Params<O, K extends string> = O extends { parameters: infer A } ? (K extends keyof A ? NonNullable<A[K]> : never) : never
type CallArgs<O> = ([Params<O, 'path'>] extends [never] ? { path?: undefined } : { path: Params<O, 'path'> })
  & { query?: Params<O, 'query'>; header?: Params<O, 'header'>; body?: BodyOf<O> }

/** One management operation, by the contract's method and path template. */
export function call<M extends Method, P extends PathsOf<M>>(method: M, path: P, args: CallArgs<Operation<P, M>>): Promise<OkOf<Operation<P, M>>> {
  const values = (args.path ?? {}) as Record<string, string>
  const url = (path as string).replace(/\{(\w+)\}/g, (_, key: string) => enc(String(values[key])))
  const header = (args.header ?? {}) as Record<string, string | undefined>
  return request(method.toUpperCase(), url, {
    body: args.body,
    query: args.query as RequestOptions['query'],
    projectId: header['x-project-id'],
  })
}

export type Schemas = components['schemas']
export type ServerInfo = Schemas['ServerInfo']
export type User = Schemas['UserResponse']
export type Project = Schemas['GetProjectResponse']
export type StorageProfile = Schemas['StorageProfile']
export type S3Profile = Schemas['S3StorageProfile']
export type StorageCredential = Schemas['S3AccessKeyCredential']
export type DeleteProfile = Schemas['TabularDeleteProfile']
export type Warehouse = Schemas['GetWarehouseResponse']
export const warehouseId = (w: { 'warehouse-id'?: string; id?: string }): string => w['warehouse-id'] ?? w.id ?? ''
export type WarehouseStatistics = Schemas['WarehouseStatistics']
export type ValidationCheck = Schemas['ValidationCheck']
export type ValidationReport = Schemas['ValidateWarehouseResponse']
export type DeletedTabular = Schemas['DeletedTabularResponse']
export type Task = Schemas['WarehouseTaskInfo']
export type TaskDetails = Schemas['GetTaskDetailsResponse']
export type TaskListRequest = Schemas['ListTasksRequest']
export type TaskAction = 'cancel' | 'stop' | 'run-now'
export const TASK_STATUSES = ['SCHEDULED', 'RUNNING', 'STOPPING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const
export const WAREHOUSE_QUEUES = ['soft_deletion', 'tabular_purge'] as const
export type WarehouseQueue = typeof WAREHOUSE_QUEUES[number]
export interface QueueConfig { 'queue-config': Record<string, unknown>; 'max-seconds-since-last-heartbeat'?: number | null }
export type Role = Schemas['RoleResponse']
// Members and permissions are read loosely: their shapes still move with the identity and authorization work.
export interface RoleMember { type: 'user' | 'role'; id?: string; user?: { id: string; name?: string }; role?: { id: string; name?: string }; name?: string }
export interface Assignment { type: string; user?: string; role?: string }

const W = (id: string) => ({ warehouse_id: id })

export const mgmt = {
  info: () => call('get', '/management/v1/info', {}),
  bootstrap: (isOperator: boolean) => call('post', '/management/v1/bootstrap', { body: { 'accept-terms-of-use': true, 'is-operator': isOperator } }),
  whoami: () => call('get', '/management/v1/whoami', {}),
  projects: () => call('get', '/management/v1/project-list', {}),
  createProject: (name: string) => call('post', '/management/v1/project', { body: { 'project-name': name } }),
  renameProject: (id: string, name: string) => call('post', '/management/v1/project/rename', { header: { 'x-project-id': id }, body: { 'new-name': name } }),
  deleteProject: (id: string) => call('delete', '/management/v1/project', { header: { 'x-project-id': id } }),
  // Every status: a deactivated warehouse stays listed (and can be activated again).
  warehouses: () => call('get', '/management/v1/warehouse', { query: { warehouseStatus: ['active', 'inactive'] } }),
  warehouse: (id: string) => call('get', '/management/v1/warehouse/{warehouse_id}', { path: W(id) }),
  validateWarehouse: (body: Schemas['CreateWarehouseRequest']) => call('post', '/management/v1/warehouse-creation-validation', { body }),
  createWarehouse: (body: Schemas['CreateWarehouseRequest']) => call('post', '/management/v1/warehouse', { body }),
  deleteWarehouse: (id: string, force: boolean) => call('delete', '/management/v1/warehouse/{warehouse_id}', { path: W(id), query: force ? { force: true } : {} }),
  renameWarehouse: (id: string, name: string) => call('post', '/management/v1/warehouse/{warehouse_id}/rename', { path: W(id), body: { 'new-name': name } }),
  activate: (id: string, on: boolean) => on
    ? call('post', '/management/v1/warehouse/{warehouse_id}/activate', { path: W(id) })
    : call('post', '/management/v1/warehouse/{warehouse_id}/deactivate', { path: W(id) }),
  protect: (id: string, on: boolean) => call('post', '/management/v1/warehouse/{warehouse_id}/protection', { path: W(id), body: { protected: on } }),
  setDeleteProfile: (id: string, profile: DeleteProfile) => call('post', '/management/v1/warehouse/{warehouse_id}/delete-profile', { path: W(id), body: { 'delete-profile': profile } }),
  validateCredential: (id: string, credential: StorageCredential) => call('post', '/management/v1/warehouse/{warehouse_id}/storage/validate-credential', { path: W(id), body: { 'new-storage-credential': credential } }),
  rotateCredential: (id: string, credential: StorageCredential) => call('post', '/management/v1/warehouse/{warehouse_id}/storage-credential', { path: W(id), body: { 'new-storage-credential': credential } }),
  validateProfile: (id: string, profile: StorageProfile) => call('post', '/management/v1/warehouse/{warehouse_id}/storage/validate-profile', { path: W(id), body: { 'storage-profile': profile } }),
  updateProfile: (id: string, profile: StorageProfile) => call('post', '/management/v1/warehouse/{warehouse_id}/storage', { path: W(id), body: { 'storage-profile': profile } }),
  validateAccess: (id: string) => call('post', '/management/v1/warehouse/{warehouse_id}/storage/validate-access', { path: W(id) }),
  statistics: (id: string) => call('get', '/management/v1/warehouse/{warehouse_id}/statistics', { path: W(id), query: { page_size: 1000 } }),
  deleted: (id: string, pageToken?: string) => call('get', '/management/v1/warehouse/{warehouse_id}/deleted-tabulars', { path: W(id), query: { pageSize: '100', pageToken } }),
  undrop: (id: string, targets: Schemas['TabularIdentUuid'][]) => call('post', '/management/v1/warehouse/{warehouse_id}/deleted-tabulars/undrop', { path: W(id), body: { targets } }),
  tasks: (id: string, filter: TaskListRequest) => call('post', '/management/v1/warehouse/{warehouse_id}/task/list', { path: W(id), body: filter }),
  task: (id: string, taskId: string) => call('get', '/management/v1/warehouse/{warehouse_id}/task/by-id/{task_id}', { path: { warehouse_id: id, task_id: taskId }, query: { numAttempts: '100' } }),
  controlTasks: (id: string, action: TaskAction, ids: string[]) =>
    call('post', '/management/v1/warehouse/{warehouse_id}/task/control', { path: W(id), body: { action: { 'action-type': action, 'scheduled-for': undefined }, 'task-ids': ids } }),
  queueConfig: (id: string, queue: WarehouseQueue): Promise<QueueConfig> => (queue === 'soft_deletion'
    ? call('get', '/management/v1/warehouse/{warehouse_id}/task-queue/soft_deletion/config', { path: W(id) })
    : call('get', '/management/v1/warehouse/{warehouse_id}/task-queue/tabular_purge/config', { path: W(id) })) as Promise<QueueConfig>,
  setQueueConfig: (id: string, queue: WarehouseQueue, config: QueueConfig) => queue === 'soft_deletion'
    ? call('post', '/management/v1/warehouse/{warehouse_id}/task-queue/soft_deletion/config', { path: W(id), body: config })
    : call('post', '/management/v1/warehouse/{warehouse_id}/task-queue/tabular_purge/config', { path: W(id), body: config }),
  users: (pageToken?: string) => call('get', '/management/v1/user', { query: { pageSize: 100, pageToken } }),
  searchUsers: (search: string) => call('post', '/management/v1/search/user', { body: { search } }),
  deleteUser: (id: string) => call('delete', '/management/v1/user/{user_id}', { path: { user_id: id } }),
  roles: (pageToken?: string) => call('get', '/management/v1/role', { query: { pageSize: 100, pageToken } }),
  searchRoles: (search: string) => call('post', '/management/v1/search/role', { body: { search } }),
  role: (id: string) => call('get', '/management/v1/role/{role_id}', { path: { role_id: id } }),
  createRole: (name: string, description: string) => call('post', '/management/v1/role', { body: { name, description: description || null } }),
  deleteRole: (id: string) => call('delete', '/management/v1/role/{role_id}', { path: { role_id: id } }),
  roleMembers: (id: string) => request<{ members: RoleMember[] }>('GET', `/management/v1/role/${enc(id)}/members`),
  addRoleMember: (id: string, member: { type: 'user' | 'role'; id: string }) => request<void>('POST', `/management/v1/role/${enc(id)}/members`, { body: { members: [member] } }),
  removeRoleMember: (id: string, type: string, member: string) => request<void>('DELETE', `/management/v1/role/${enc(id)}/members/${enc(type)}/${enc(member)}`),
  // Not in the contract yet (the authorization work): the page says when the server has no such route.
  assignments: (path: string) => request<{ assignments: Assignment[] }>('GET', `/management/v1/permissions/${path}/assignments`),
  updateAssignments: (path: string, writes: Assignment[], deletes: Assignment[]) => request<void>('POST', `/management/v1/permissions/${path}/assignments`, { body: { writes, deletes } }),
}

// ---- Iceberg REST catalog (the warehouse id is the prefix) ----

export const SEP = '\u001f'
export const nsParam = (ns: string[]): string => enc(ns.join(SEP))

export interface TableIdentifier { namespace: string[]; name: string }
export interface NamespaceResponse { namespace: string[]; properties?: Record<string, string>; 'namespace-uuid'?: string }

export const catalog = {
  namespaces: (w: string, parent: string[] | null, pageToken?: string) =>
    request<{ namespaces: string[][]; 'next-page-token'?: string | null }>('GET', `/catalog/v1/${enc(w)}/namespaces`, {
      query: { parent: parent && parent.length ? parent.join(SEP) : undefined, pageToken, pageSize: 100 },
    }),
  // returnUuid (Lakekeeper's): the id addresses the namespace's permissions.
  namespace: (w: string, ns: string[]) => request<NamespaceResponse>('GET', `/catalog/v1/${enc(w)}/namespaces/${nsParam(ns)}?returnUuid=true`),
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
