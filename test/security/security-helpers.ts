/**
 * Shared moves of the attack tests: people join through the real invite flow and act through
 * the real API (sessions with CSRF, tokens they create themselves), so an attack test plays
 * exactly what an insider could do from a browser or a script.
 */
import { expect } from 'vitest'
import type { Role } from '../../src/identity/principal.js'
import type { TestEnv } from '../helpers.js'

export const PASSWORD = 'a long enough password'

export interface Headers {
  [k: string]: string
}

/** A signed-in browser: the session cookie and the CSRF header writes need. */
export interface Browser {
  userId: string
  headers: Headers
}

export function sessionHeaders(res: { headers: Record<string, unknown>; json(): unknown }): Headers {
  const raw = res.headers['set-cookie']
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : []
  const cookie = list
    .map((c) => String(c).split(';')[0]!)
    .filter((c) => c.startsWith('lk_session=') || c.startsWith('lk_csrf='))
    .join('; ')
  return { cookie, 'x-csrf-token': (res.json() as { csrfToken: string }).csrfToken }
}

/** Invites `email` (as `by`, default the owner token) and returns the one-time token. */
export async function invite(
  env: TestEnv,
  email: string,
  role: Role,
  opts: { by?: Headers; workspaceId?: string } = {},
): Promise<{ status: number; token: string; userId: string; body: Record<string, unknown> }> {
  const r = await env.app.inject({
    method: 'POST',
    url: '/api/v1/members',
    headers: opts.by ?? env.auth(),
    payload: { email, role, ...(opts.workspaceId ? { workspaceId: opts.workspaceId } : {}) },
  })
  const body = r.json() as Record<string, unknown>
  return {
    status: r.statusCode,
    token: String(body.inviteToken ?? ''),
    userId: String(body.userId ?? ''),
    body,
  }
}

/** A new person joins through an invite and is signed in. */
export async function join(
  env: TestEnv,
  email: string,
  role: Role,
  opts: { workspaceId?: string; password?: string } = {},
): Promise<Browser> {
  const inv = await invite(env, email, role, { workspaceId: opts.workspaceId })
  expect(inv.status, JSON.stringify(inv.body)).toBe(201)
  const acc = await env.app.inject({
    method: 'POST',
    url: '/api/v1/invites/accept',
    payload: { token: inv.token, password: opts.password ?? PASSWORD },
  })
  expect(acc.statusCode, acc.body).toBe(200)
  return { userId: inv.userId, headers: sessionHeaders(acc) }
}

/** Signs in with email and password; returns the response (status 200 carries the cookies). */
export async function signIn(env: TestEnv, email: string, password = PASSWORD) {
  return env.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } })
}

/** Creates an access token as `as` and returns its bearer header and id. */
export async function createToken(
  env: TestEnv,
  as: Headers,
  payload: { name: string; role?: Role; workspaceId?: string },
): Promise<{ status: number; headers: Headers; id: string; body: Record<string, unknown> }> {
  const r = await env.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: as, payload })
  const body = r.json() as Record<string, unknown>
  return {
    status: r.statusCode,
    headers: { authorization: `Bearer ${body.token}` },
    id: String(body.id),
    body,
  }
}

export async function createWorkspace(env: TestEnv, name: string): Promise<string> {
  const r = await env.app.inject({
    method: 'POST',
    url: '/api/v1/workspaces',
    headers: env.auth(),
    payload: { name },
  })
  expect(r.statusCode, r.body).toBe(201)
  return String(r.json().id)
}

export async function setWorkspaceRole(env: TestEnv, workspaceId: string, userId: string, role: Role) {
  const r = await env.app.inject({
    method: 'PUT',
    url: `/api/v1/workspaces/${workspaceId}/members`,
    headers: env.auth(),
    payload: { userId, role },
  })
  expect(r.statusCode, r.body).toBe(200)
}

/** Starts a run of a workflow as `as` and waits (long-poll) until it settles; the run's view. */
export async function runWorkflow(
  env: TestEnv,
  as: Headers,
  workflowId: string,
  inputs: Record<string, unknown> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary run fields
): Promise<Record<string, any> & { id: string }> {
  const started = await env.app.inject({
    method: 'POST',
    url: `/api/v1/workflows/${workflowId}/runs`,
    headers: as,
    payload: { inputs },
  })
  expect(started.statusCode, started.body).toBe(202)
  const done = await env.app.inject({
    method: 'GET',
    url: `/api/v1/runs/${started.json().id}?wait=20`,
    headers: as,
  })
  return { id: started.json().id as string, ...done.json() }
}

export interface AuditRow {
  action: string
  actor: string
  credentialId: string | null
  details: Record<string, unknown>
}

/** The org's audit rows of one action, read as an auditor through the API. */
export async function auditRows(env: TestEnv, action: string): Promise<AuditRow[]> {
  const r = await env.app.inject({
    method: 'GET',
    url: `/api/v1/audit?action=${action}&limit=100`,
    headers: env.auth('auditor'),
  })
  expect(r.statusCode).toBe(200)
  return r.json().data as AuditRow[]
}

/**
 * An org admin puts the origins of `urls` on the org's `privateOrigins` list, so members'
 * credentials may reach them on loopback (the tests' fake upstreams live there).
 */
export async function allowPrivateOrigins(env: TestEnv, ...urls: string[]): Promise<void> {
  const current = await env.app.inject({ method: 'GET', url: '/api/v1/settings', headers: env.auth('admin') })
  const list = (current.json().privateOrigins as string[]) ?? []
  const r = await env.app.inject({
    method: 'PATCH',
    url: '/api/v1/settings',
    headers: env.auth('admin'),
    payload: { privateOrigins: [...list, ...urls.map((u) => new URL(u).origin)] },
  })
  expect(r.statusCode, r.body).toBe(200)
}
