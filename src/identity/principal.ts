/** Roles, from most to least powerful; `auditor` reads usage/audit/metrics and changes nothing. */
export const ROLES = ['owner', 'admin', 'member', 'auditor'] as const
export type Role = (typeof ROLES)[number]

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v)
}

/**
 * Who is calling. Resolved once per request from a bearer token or a session cookie and
 * served from the auth cache; everything downstream (authorisation, resolution of personal
 * credentials, metering, audit) reads it.
 */
export interface Principal {
  /** `token` for access tokens, `user` for browser sessions. */
  kind: 'token' | 'user'
  /** Token id or user id: the audit `actor`. */
  id: string
  /** Display name: token name or user email. */
  name: string
  orgId: string
  /** Default workspace of the call (token's workspace, or the user's first). */
  workspaceId: string | null
  /** The user this principal acts for (the token's user, or the session's user). */
  userId: string | null
  /** Org-level role (for tokens: the token's role). */
  role: Role
  /** Workspace-level roles of the user (tokens carry only their own workspace). */
  workspaceRoles: Record<string, Role>
  /** Token id when authenticated by token. */
  tokenId: string | null
  /** Scope restrictions of a token; empty = all the role allows. */
  scopes: string[]
  /** Session id (hash) when authenticated by cookie: writes need the CSRF token. */
  sessionId: string | null
  /** SHA-256 of the session's CSRF token, compared on cookie-authenticated writes. */
  csrfHash: string | null
  /** Epoch ms after which the principal is no longer valid (token/session expiry). */
  expiresAt: number | null
}
