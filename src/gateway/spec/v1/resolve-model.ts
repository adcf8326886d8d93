import type { Principal } from '../../../identity/principal.js'

/** Decrypted, in-memory credential material for one credential version. Never serialised. */
export interface CredentialMaterial {
  credentialId: string
  name: string
  provider: string
  version: number
  baseUrl: string
  /**
   * `http-secret` only: the origins the secret may be sent to, as sealed with it (a row whose
   * origins were changed in the database does not unseal). Absent for provider kinds.
   */
  origins?: readonly string[]
  /**
   * false: no org admin vouched for this credential's destination, so its connections may
   * reach loopback/private addresses only at the org's `privateOrigins` (egress policy
   * `restricted`). The vault always sets it; absent counts as vouched (materials built by
   * hand in tests and tools).
   */
  privateOk?: boolean
  region: string | null
  /** API key for key-based kinds. */
  apiKey?: string
  /** Structured secret for Azure/Bedrock/Vertex/http-secret kinds (parsed JSON). */
  secret?: Record<string, unknown>
  /** Allowed upstream model ids (empty = any). */
  models: string[]
  orgId: string
  workspaceId: string | null
}

export interface RouteTarget {
  model: string
  weight?: number
}

export interface RouteSpec {
  alias: string
  targets: RouteTarget[]
  fallbacks: { model: string }[]
  retry: { attempts: number; backoffMs?: number }
  timeoutMs?: number
  /** strict: reject parameters a target cannot honour; lenient: drop them with a warning. */
  mode?: 'strict' | 'lenient'
}

/** Result of naming a model: one credential + upstream model, or a route over several. */
export type ResolvedModel =
  | { kind: 'direct'; credential: CredentialMaterial; upstreamModel: string }
  | { kind: 'route'; route: RouteSpec }

/**
 * `resolveModel(principal, model)` (DESIGN.md seam): `<credential>/<model>` resolves the
 * caller's personal credential of that name, then the workspace's, then the org's; otherwise
 * the name is a route alias. Served from memory; throws AppError 404/403.
 */
export interface ModelResolver {
  resolveModel(principal: Principal, model: string): Promise<ResolvedModel>
}

/**
 * The vault's hot-path view of credentials (implemented by src/vault): finds the credential a
 * principal may *use* under a name — personal, then workspace, then org — from memory.
 * Returns null when no credential of that name is visible; throws AppError 403 when it exists
 * but the principal lacks the `use` right.
 */
export interface CredentialLookup {
  find(principal: Principal, name: string): Promise<CredentialMaterial | null>
  /** Every credential the principal may use (for GET /v1/models). */
  list(principal: Principal): Promise<CredentialMaterial[]>
  /**
   * Whether an active credential of this name exists in the org, in any scope (route targets
   * are checked with it when a route is saved). Optional: without it, `find` decides.
   */
  known?(orgId: string, name: string): Promise<boolean>
}
