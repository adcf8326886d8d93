/**
 * The one place that decides whether a principal may do an action on a resource.
 * Every route calls `authorize`; rules live in the POLICY table below.
 * @module
 */
import { forbidden, notFound } from '../errors/app-error.js'
import type { Principal, Role } from './principal.js'

const ALL: Role[] = ['owner', 'admin', 'member', 'auditor']
const USERS: Role[] = ['owner', 'admin', 'member']
const ADMINS: Role[] = ['owner', 'admin']
const READERS: Role[] = ['owner', 'admin', 'auditor']

/** action → roles allowed (org role, or the workspace role for workspace resources). */
export const POLICY = {
  'me:read': ALL,
  'tokens:create': ALL,
  'tokens:read': ALL,
  'tokens:manage': ADMINS,
  'members:read': READERS,
  'members:manage': ADMINS,
  'workspaces:read': ALL,
  'workspaces:manage': ADMINS,
  'settings:read': READERS,
  'settings:manage': ['owner'],
  // Which origins members' credentials may reach on loopback/private addresses: org admins
  // may already vouch for a destination by creating the credential themselves.
  'egress:allow-private': ADMINS,
  'metrics:read': READERS,
  'audit:read': READERS,
  'usage:read': ALL,
  'usage:read-all': READERS,
  'credentials:read': ALL,
  'credentials:create-personal': USERS,
  'credentials:manage': ADMINS,
  'credentials:use': USERS,
  // A departed member's personal key goes to someone else only by an owner's decision.
  'credentials:reassign': ['owner'],
  'master-key:rotate': ['owner'],
  'gateway:use': USERS,
  'routes:read': ALL,
  'routes:manage': ADMINS,
  'budgets:read': ALL,
  'budgets:manage': ADMINS,
  'prices:read': ALL,
  'prices:manage': ADMINS,
  'workflows:read': ALL,
  'workflows:manage': USERS,
  'workflows:run': USERS,
  'reviews:decide': USERS,
  'compare:run': USERS,
} as const satisfies Record<string, readonly Role[]>

export type Action = keyof typeof POLICY

/** What an action is done to; omit for org-wide actions on the principal's own org. */
export interface Resource {
  orgId: string
  workspaceId?: string | null
  /** The user owning a personal resource (personal credentials, own tokens). */
  ownerUserId?: string | null
}

const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, auditor: 0 }

/** Highest of a role list (auditor ranks lowest: it can read but never act). */
export function maxRole(a: Role, b: Role | undefined): Role {
  if (!b) return a
  return RANK[b] > RANK[a] ? b : a
}

/**
 * The strongest role that both `a` and `b` allow, or null when they share none. Roles form a
 * lattice, not a line: owner > admin > member, and auditor sits below admin *beside* member —
 * it reads org-wide records (audit, members, usage) that a member may not, and acts on
 * nothing. So member ∧ auditor is no role at all: a member cannot mint an auditor token.
 */
export function meetRole(a: Role, b: Role): Role | null {
  if (a === b) return a
  if (a === 'auditor' || b === 'auditor') return a === 'member' || b === 'member' ? null : 'auditor'
  return RANK[a] <= RANK[b] ? a : b
}

/** Whether `role` grants nothing beyond `ceiling`. */
export function roleWithin(role: Role, ceiling: Role): boolean {
  return meetRole(role, ceiling) === role
}

/** An org role plus workspace roles: what a user holds, or what a token carries. */
export interface Roles {
  role: Role
  workspaceRoles: Record<string, Role>
}

/**
 * The roles a token carries: every role of its user — org and workspace — capped by the
 * token's own role, and only the bound workspace's role when the token is bound to one.
 * Null when the token's role and the user's org role share none (the token stops working).
 * The one place a token's rights are derived; everything downstream reads the result.
 */
export function capRoles(tokenRole: Role, user: Roles, boundWorkspaceId: string | null): Roles | null {
  const role = meetRole(tokenRole, user.role)
  if (!role) return null
  const workspaceRoles: Record<string, Role> = {}
  for (const [ws, r] of Object.entries(user.workspaceRoles)) {
    if (boundWorkspaceId && ws !== boundWorkspaceId) continue
    const capped = meetRole(tokenRole, r)
    if (capped) workspaceRoles[ws] = capped
  }
  return { role, workspaceRoles }
}

/** Org owners and admins act in every workspace of their org, member of it or not. */
export function actsInEveryWorkspace(orgRole: Role): boolean {
  return orgRole === 'owner' || orgRole === 'admin'
}

/** Workspaces a principal belongs to: its workspace roles plus its default (token) workspace. */
export function memberWorkspaceIds(p: Principal): string[] {
  return [...new Set([...Object.keys(p.workspaceRoles), ...(p.workspaceId ? [p.workspaceId] : [])])]
}

export function roleAtLeast(role: Role, min: Role): boolean {
  if (min === 'auditor') return true
  if (role === 'auditor') return false
  return RANK[role] >= RANK[min]
}

/**
 * The role that counts for a resource: the org role, raised by a workspace role if higher.
 * A token's roles are already capped by the token's role (`capRoles`, applied when the
 * principal is built), so this never lifts a token above its own role.
 */
export function effectiveRole(p: Principal, workspaceId?: string | null): Role {
  if (!workspaceId) return p.role
  return maxRole(p.role, p.workspaceRoles[workspaceId])
}

/**
 * The principal's role inside one workspace, or null when it does not belong there: members
 * act only in workspaces they were added to (or their token is bound to); org owners and
 * admins act in all of them. For workspace-scoped resources that outsiders must not reach.
 */
export function roleInWorkspace(p: Principal, workspaceId: string): Role | null {
  if (actsInEveryWorkspace(p.role) || memberWorkspaceIds(p).includes(workspaceId)) {
    return effectiveRole(p, workspaceId)
  }
  return null
}

/**
 * The principal acting in `workspaceId` when it may act there (a member of it, or an org
 * owner/admin): credential names resolve through the acting workspace, so a recipe of
 * workspace W finds W's keys and secrets whoever's default workspace is elsewhere. Unchanged
 * when it may not act there (it then finds nothing of W's).
 */
export function actingIn(p: Principal, workspaceId: string | null | undefined): Principal {
  if (!workspaceId || workspaceId === p.workspaceId || roleInWorkspace(p, workspaceId) === null) return p
  return { ...p, workspaceId }
}

/** Token scopes restrict actions by area (`gateway`, `workflows`, …); `me:read` is always allowed. */
function scopeAllows(p: Principal, action: Action): boolean {
  if (p.scopes.length === 0 || action === 'me:read') return true
  const area = action.split(':')[0]!
  return p.scopes.includes(area) || p.scopes.includes(action)
}

/**
 * Throws 404 for resources of another org (existence is not revealed across tenants) and 403
 * when the role or token scopes do not allow the action. Personal resources are reachable
 * only by their owner, and by admins for management actions.
 */
export function authorize(p: Principal, action: Action, resource?: Resource): void {
  if (resource && resource.orgId !== p.orgId) throw notFound()
  if (!scopeAllows(p, action)) throw forbidden(`token scopes do not include ${action.split(':')[0]}`)
  const role = effectiveRole(p, resource?.workspaceId)
  const allowed = POLICY[action] as readonly Role[]
  if (!allowed.includes(role)) {
    throw forbidden(`role ${role} may not ${action.replace(':', ' ')}`)
  }
  if (resource?.ownerUserId && resource.ownerUserId !== p.userId && !ADMINS.includes(role)) {
    throw notFound()
  }
}

/**
 * Whether a principal may see things of a workspace at all: members of it (or tokens bound to
 * it), org owners and admins, and org auditors (they read the whole org's audit log and usage
 * anyway, and act on nothing). A null workspace is the org's: everyone in the org.
 */
export function seesWorkspace(p: Principal, workspaceId: string | null | undefined): boolean {
  if (!workspaceId) return true
  return roleInWorkspace(p, workspaceId) !== null || p.role === 'auditor'
}

/**
 * `authorize` for resources that belong to one workspace (workflows, runs, reviews): an
 * outsider gets 404, as across orgs — they learn nothing, not even that it exists — instead of
 * acting with their org role (workspace roles otherwise fall back to the org role).
 */
export function authorizeInWorkspace(
  p: Principal,
  action: Action,
  resource: Resource,
  /** The 404 message, the same as for an id that does not exist (`workflow not found`). */
  missing = 'not found',
): void {
  if (resource.orgId !== p.orgId || !seesWorkspace(p, resource.workspaceId)) throw notFound(missing)
  authorize(p, action, resource)
}

export function can(p: Principal, action: Action, resource?: Resource): boolean {
  try {
    authorize(p, action, resource)
    return true
  } catch {
    return false
  }
}
