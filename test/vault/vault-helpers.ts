/** Helpers for vault suites: users with personal tokens, credential creation, canary keys. */
import { randomBytes } from 'node:crypto'
import type { Role } from '../../src/identity/principal.js'
import { newId } from '../../src/identity/secrets.js'
import { insertToken } from '../../src/identity/tokens-repo.js'
import type { TestEnv } from '../helpers.js'

/** A key-shaped canary that must never appear anywhere but inside the vault. */
export function canaryKey(prefix = 'sk-canary'): string {
  return `${prefix}-${randomBytes(18).toString('base64url')}`
}

export interface TestUser {
  userId: string
  tokenId: string
  token: string
  headers: { authorization: string }
}

/** Creates a user in the env's org (and workspace) with a token acting for that user. */
export async function addUser(
  env: TestEnv,
  role: Role,
  opts: { workspaceId?: string | null; workspaceRole?: Role } = {},
): Promise<TestUser> {
  const db = env.rt.db.db
  const userId = newId('usr')
  const now = Date.now()
  await db
    .insertInto('users')
    .values({
      id: userId,
      email: `${userId}@example.test`,
      name: null,
      password_hash: null,
      created_at: now,
      disabled_at: null,
    })
    .execute()
  await db
    .insertInto('org_memberships')
    .values({ org_id: env.orgId, user_id: userId, role, created_at: now })
    .execute()
  const ws = opts.workspaceId === undefined ? env.workspaceId : opts.workspaceId
  if (ws) {
    await db
      .insertInto('workspace_memberships')
      .values({ workspace_id: ws, user_id: userId, role: opts.workspaceRole ?? role, created_at: now })
      .execute()
  }
  const { raw, row } = await insertToken(db, {
    orgId: env.orgId,
    workspaceId: ws,
    userId,
    name: `user-${role}`,
    role,
    createdBy: 'test',
  })
  return { userId, tokenId: row.id, token: raw, headers: { authorization: `Bearer ${raw}` } }
}

export async function createCredential(
  env: TestEnv,
  headers: { authorization: string },
  body: Record<string, unknown>,
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary response fields
): Promise<{ status: number; json: Record<string, any>; body: string }> {
  const res = await env.app.inject({ method: 'POST', url: '/api/v1/credentials', headers, payload: body })
  return { status: res.statusCode, json: res.json(), body: res.body }
}
