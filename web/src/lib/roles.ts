/**
 * What the UI shows each role: a mirror of the server's POLICY table for the actions the
 * pages offer. The server stays the authority; this only hides buttons that would fail.
 */
import type { Principal, Role } from '../api/types.js'

const ALL: Role[] = ['owner', 'admin', 'member', 'auditor']
const USERS: Role[] = ['owner', 'admin', 'member']
const ADMINS: Role[] = ['owner', 'admin']
const READERS: Role[] = ['owner', 'admin', 'auditor']

export const UI_POLICY = {
  'credentials:read': ALL,
  'credentials:create': USERS,
  'credentials:manage': ADMINS,
  'gateway:use': USERS,
  'compare:run': USERS,
  'workflows:read': ALL,
  'workflows:manage': USERS,
  'workflows:run': USERS,
  'reviews:decide': USERS,
  'routes:manage': ADMINS,
  'usage:read': ALL,
  'usage:read-all': READERS,
  'audit:read': READERS,
  'members:read': READERS,
  'members:manage': ADMINS,
  'workspaces:manage': ADMINS,
  'tokens:manage': ADMINS,
  'budgets:manage': ADMINS,
  'prices:manage': ADMINS,
  'settings:read': READERS,
  'settings:manage': ['owner'],
} as const satisfies Record<string, readonly Role[]>

export type UiAction = keyof typeof UI_POLICY

export function can(p: Pick<Principal, 'role'> | null | undefined, action: UiAction): boolean {
  if (!p) return false
  return (UI_POLICY[action] as readonly Role[]).includes(p.role)
}

const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, auditor: 0 }

/** Mirror of the server's `meetRole`: auditor sits beside member, so the two share no role. */
function meet(a: Role, b: Role): Role | null {
  if (a === b) return a
  if (a === 'auditor' || b === 'auditor') return a === 'member' || b === 'member' ? null : 'auditor'
  return RANK[a] <= RANK[b] ? a : b
}

/**
 * Roles a new token (bound to the principal's default workspace) may have: within the
 * principal's role there — a workspace admin may mint a workspace-admin token — and sharing a
 * role with the org role (a member cannot mint an auditor token). Mirrors the server's check.
 */
export function tokenRolesFor(p: Pick<Principal, 'role' | 'workspaceId' | 'workspaceRoles'>): Role[] {
  const ws = p.workspaceId ? p.workspaceRoles?.[p.workspaceId] : undefined
  const ceiling = ws && RANK[ws] > RANK[p.role] ? ws : p.role
  return ALL.filter((r) => meet(r, ceiling) === r && meet(r, p.role) !== null)
}
