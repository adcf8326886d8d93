/**
 * Tenant isolation, generated from the routes (issue 18). The operations come from the
 * server's own OpenAPI document at test time, so a route added tomorrow is aimed at org A the
 * day it lands: an operation whose path parameter this file cannot fill with one of org A's
 * objects fails the coverage test until someone adds it here.
 *
 * Org A is fully furnished (credentials, grants, a route, a budget, a price, tokens, a member,
 * workspaces, a workflow with a run parked at review, a compare, usage and audit records), and
 * every one of its names carries a canary. Org B's owner then calls every operation:
 * - with A's ids in the path → 404, and the answer holds none of A's canaries;
 * - lists, exports and lookups → only B's own data;
 * - creates whose body names one of A's objects (workspace, user, credential, route) → refused;
 * and afterwards everything A owns reads back unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers.js'
import { createE2eEnv, type E2eEnv } from '../workflows/e2e-env.js'
import {
  createSecondOrg,
  type Furnished,
  fillPath,
  furnishOrg,
  type Op,
  openApiDoc,
  operations,
  reviewRecipe,
} from './furnished-org.js'
import { type Headers, join, setWorkspaceRole } from './security-helpers.js'

/** Operations that are not about an org's data, and why they are left out. */
const NOT_ORG_DATA: Record<string, string> = {
  'POST /api/v1/session': 'signs in; acts only as the caller',
  'DELETE /api/v1/session': 'signs out the caller',
  'POST /api/v1/invites/accept': 'an invite token names its org; covered by invite-takeover.test.ts',
  'GET /api/v1/me': "the caller's own principal",
  'GET /api/v1/master-key': 'installation-wide status (no org data); owners only',
  'POST /api/v1/master-key/rotate': 'installation-wide; no org data crosses it',
}

const A = 'canaryA'
const MEMBER_EMAIL = 'canary-a-member@tenant-a.test'

function recipe(name: string): string {
  return reviewRecipe(name, A)
}

describe.each(DIALECTS)('cross-tenant: every management route (%s)', (dialect) => {
  let env: E2eEnv
  let a: Furnished
  let bOwner: Headers
  let bWorkspaceId: string
  let bCredentialId: string
  /** Every string that would betray org A: ids, names, the member's email. */
  let canaries: string[]
  let ops: Op[]

  async function call(h: Headers, method: string, url: string, payload?: unknown) {
    return env.app.inject({
      method: method as 'GET',
      url,
      headers: h,
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
  }

  async function ok(h: Headers, method: string, url: string, payload?: unknown, status = 200) {
    const r = await call(h, method, url, payload)
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(status)
    return r.json()
  }

  /** A's canaries in an answer, except those the caller sent itself (an echo is not a leak). */
  function leaked(body: string, sent: string): string[] {
    return canaries.filter((c) => body.includes(c) && !sent.includes(c))
  }

  /** Org A's objects as A's owner sees them (volatile timestamps dropped). */
  async function snapshotA(): Promise<string> {
    const lists = [
      'credentials',
      'routes',
      'budgets',
      'prices',
      'tokens',
      'members',
      'workspaces',
      'workflows',
    ]
    const out: Record<string, unknown> = {}
    for (const l of lists) out[l] = await ok(env.auth(), 'GET', `/api/v1/${l}`)
    out.settings = await ok(env.auth(), 'GET', '/api/v1/settings')
    out.run = await ok(env.auth(), 'GET', `/api/v1/runs/${a.runId}`)
    return JSON.stringify(out, (k, v) => (/^last(Used|Seen)/.test(k) ? undefined : v))
  }

  beforeAll(async () => {
    env = await createE2eEnv(dialect)
    a = await furnishOrg(env, A, { memberEmail: MEMBER_EMAIL })
    const tokenIds = ((await ok(env.auth(), 'GET', '/api/v1/tokens')).data as { id: string }[]).map(
      (t) => t.id,
    )
    canaries = [...new Set([...Object.values(a).filter((v) => v !== 'oa'), ...tokenIds, A, MEMBER_EMAIL])]
    const b = await createSecondOrg(env)
    bOwner = b.owner
    bWorkspaceId = b.workspaceId
    bCredentialId = b.credentialId
    ops = operations(await openApiDoc(env))
  }, 120_000)

  afterAll(async () => {
    await env?.close()
  })

  /** A's object for a path parameter, by the collection the path names. */
  function aimAtA(op: Op): string | null {
    return fillPath(op.path, a)
  }

  /** A body that passes validation, so the request reaches the org check. */
  function validBody(op: Op): unknown {
    const key = `${op.method} ${op.path}`
    const bodies: Record<string, unknown> = {
      'PATCH /api/v1/credentials/{id}': { name: 'taken-over' },
      'POST /api/v1/credentials/{id}/rotate': { apiKey: 'sk-attacker-rotated-0123456789' },
      'POST /api/v1/credentials/{id}/reassign': { userId: a.memberUserId },
      'POST /api/v1/credentials/{id}/grants': {
        subjectType: 'workspace',
        subjectId: bWorkspaceId,
        right: 'use',
      },
      'DELETE /api/v1/credentials/{id}/grants': {
        subjectType: 'user',
        subjectId: a.memberUserId,
        right: 'use',
      },
      'PATCH /api/v1/budgets/{id}': { limitUsd: 0.01 },
      'PATCH /api/v1/members/{userId}': { role: 'admin' },
      'PATCH /api/v1/workspaces/{id}': { name: 'taken-over' },
      'PUT /api/v1/workspaces/{id}/members': { userId: a.memberUserId, role: 'admin' },
      'PUT /api/v1/routes/{alias}': { targets: [{ model: 'b-key/gpt-4o-mini' }] },
      'PUT /api/v1/workflows/{id}': { yaml: recipe(`${A}-flow`).replace('Say hello', 'Say bye') },
      'POST /api/v1/workflows/{id}/runs': { inputs: { text: 'b' } },
      'POST /api/v1/workflows/{id}/compare': { inputs: { text: 'b' }, models: ['b-key/a', 'b-key/b'] },
      'POST /api/v1/runs/{id}/review': { decision: 'approve', comment: 'b' },
    }
    if (key in bodies) return bodies[key]
    return op.method === 'GET' || op.method === 'DELETE' ? undefined : {}
  }

  it('covers every operation of the OpenAPI document', () => {
    expect(ops.length).toBeGreaterThan(40)
    const uncovered = ops
      .filter((op) => !(`${op.method} ${op.path}` in NOT_ORG_DATA))
      .filter((op) => op.path.includes('{') && aimAtA(op) === null)
      .map((op) => `${op.method} ${op.path}`)
    // A new collection in a path: teach aimAtA which of org A's objects to aim it at.
    expect(uncovered).toEqual([])
  })

  it("org B's owner gets 404 for org A's ids on every operation, and nothing of A's", async () => {
    const failures: string[] = []
    const targeted = ops.filter((op) => op.path.includes('{') && !(`${op.method} ${op.path}` in NOT_ORG_DATA))
    // Deletes last, so a hole in one of them cannot hide a hole in the others.
    targeted.sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'))
    for (const op of targeted) {
      const url = aimAtA(op)!
      const body = validBody(op)
      const r = await call(bOwner, op.method, url, body)
      const found = leaked(r.body, url + JSON.stringify(body ?? null))
      if (r.statusCode !== 404 || found.length > 0) {
        failures.push(
          `${op.method} ${url} → ${r.statusCode}${found.length ? ` leaking ${found}` : ''}: ${r.body.slice(0, 200)}`,
        )
      }
    }
    expect(failures).toEqual([])
  })

  it("lists, exports and lookups answer org B's owner with B's data only", async () => {
    const failures: string[] = []
    const lists = ops.filter(
      (op) => op.method === 'GET' && !op.path.includes('{') && !(`${op.method} ${op.path}` in NOT_ORG_DATA),
    )
    const queries: Record<string, string[]> = {
      '/api/v1/usage': [
        '',
        '?groupBy=credential',
        '?groupBy=user',
        '?groupBy=model',
        '?groupBy=workspace',
        '?groupBy=workflow',
        '?format=csv&groupBy=credential',
      ],
      '/api/v1/audit': ['', '?limit=500'],
      '/api/v1/audit/export': [''],
      '/api/v1/prices/lookup': [`?provider=openai&model=${A}-model`],
    }
    for (const op of lists) {
      for (const q of queries[op.path] ?? ['']) {
        const r = await call(bOwner, 'GET', `${op.path}${q}`)
        const found = leaked(r.body, q)
        if (r.statusCode >= 500 || found.length > 0)
          failures.push(`GET ${op.path}${q} → ${r.statusCode} leaking ${found}`)
      }
    }
    // Sanity: B's own lists do answer (the check above is not passing on errors).
    const own = await ok(bOwner, 'GET', '/api/v1/credentials')
    expect((own.data as { name: string }[]).map((c) => c.name)).toEqual(['b-key'])
    expect(failures).toEqual([])
  })

  it("creates and edits whose body names one of A's objects are refused", async () => {
    const attempts: [string, string, unknown][] = [
      ['POST', '/api/v1/tokens', { name: 'b-into-a', workspaceId: a.workspaceId }],
      ['POST', '/api/v1/members', { email: 'b-friend@tenant-b.test', workspaceId: a.workspaceId }],
      [
        'POST',
        '/api/v1/credentials',
        {
          name: 'b-in-a',
          provider: 'openai',
          apiKey: 'sk-b-0123456789',
          scope: 'workspace',
          workspaceId: a.workspaceId,
        },
      ],
      ['POST', '/api/v1/workflows', { yaml: recipe('b-flow'), workspaceId: a.workspaceId }],
      // A budget over each kind of A's object.
      ...(
        [
          ['workspace', a.workspaceId],
          ['credential', a.credentialId],
          ['user', a.memberUserId],
          ['token', a.tokenId],
        ] as const
      ).map(([scope, scopeId]): [string, string, unknown] => [
        'POST',
        '/api/v1/budgets',
        { name: `b-on-a-${scope}`, scope, scopeId, window: 'month', limitUsd: 1 },
      ]),
      [
        'POST',
        `/api/v1/credentials/${bCredentialId}/grants`,
        { subjectType: 'user', subjectId: a.memberUserId, right: 'manage' },
      ],
      [
        'POST',
        `/api/v1/credentials/${bCredentialId}/grants`,
        { subjectType: 'workspace', subjectId: a.workspaceId, right: 'use' },
      ],
      ['POST', `/api/v1/credentials/${bCredentialId}/reassign`, { userId: a.memberUserId }],
      ['PUT', `/api/v1/workspaces/${bWorkspaceId}/members`, { userId: a.memberUserId, role: 'admin' }],
      [
        'POST',
        '/api/v1/routes',
        { alias: 'b-via-a', targets: [{ model: `${a.credentialName}/gpt-4o-mini` }] },
      ],
    ]
    const failures: string[] = []
    for (const [method, url, body] of attempts) {
      const r = await call(bOwner, method, url, body)
      const found = leaked(r.body, url + JSON.stringify(body))
      if (r.statusCode < 400 || r.statusCode >= 500 || found.length > 0) {
        failures.push(
          `${method} ${url} ${JSON.stringify(body)} → ${r.statusCode}${found.length ? ` leaking ${found}` : ''}: ${r.body.slice(0, 200)}`,
        )
      }
    }
    expect(failures).toEqual([])
    // Compare streams one column per model: each of A's models is an error column, no answer.
    const cmp = await call(bOwner, 'POST', '/api/v1/compare', {
      models: [`${A}-route`, 'oa/gpt-4o-mini'],
      messages: [{ role: 'user', content: 'x' }],
    })
    expect(cmp.body.match(/event: error/g)?.length).toBe(2)
    expect(env.openai.requests.filter((r) => JSON.stringify(r.body).includes('"x"'))).toEqual([])
    // Nor can B's token call A's models through the gateway.
    const g = await env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...bOwner, 'content-type': 'application/json' },
      payload: { model: `${A}-route`, messages: [{ role: 'user', content: 'x' }] },
    })
    expect(g.statusCode).toBe(404)
    const g2 = await env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...bOwner, 'content-type': 'application/json' },
      payload: { model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
    })
    expect(g2.statusCode).toBe(404)
  })

  it("everything org A owns reads back unchanged after org B's attempts", async () => {
    const before = await snapshotA()
    for (const op of ops.filter((o) => o.path.includes('{') && o.method !== 'GET')) {
      if (`${op.method} ${op.path}` in NOT_ORG_DATA) continue
      await call(bOwner, op.method, aimAtA(op)!, validBody(op))
    }
    expect(await snapshotA()).toBe(before)
    // The parked run is still A's to decide, and A's key still works.
    const run = await ok(env.auth(), 'GET', `/api/v1/runs/${a.runId}`)
    expect(run.status).toBe('waiting_review')
    const test = await ok(env.auth(), 'POST', `/api/v1/credentials/${a.credentialId}/test`)
    expect(test.ok).toBe(true)
  })

  it("an admin of another workspace of org A gets 404 for workspace W1's keys, workflows, runs and compares", async () => {
    // Workspace W2's admin: an org member who belongs to W2 only.
    const ws2Admin = await join(env, 'canary-w2-admin@tenant-a.test', 'member', {
      workspaceId: a.secondWorkspaceId,
    })
    await setWorkspaceRole(env, a.secondWorkspaceId, ws2Admin.userId, 'admin')
    const inW1: Record<string, string> = {
      credentials: a.wsCredentialId,
      workflows: a.workflowId,
      runs: a.runId,
      'workflow-compares': a.compareId,
    }
    const failures: string[] = []
    const w1Canaries = [a.wsCredentialId, `${A}-ws-key`, a.workflowId, `${A}-flow`, a.runId, a.compareId]
    for (const op of ops) {
      const collection = op.path.split('/')[3]!
      if (!op.path.includes('{') || !(collection in inW1)) continue
      const url = op.path.replace(/\{\w+\}/, inW1[collection]!)
      const body = validBody(op)
      const r = await call(ws2Admin.headers, op.method, url, body)
      const sent = url + JSON.stringify(body ?? null)
      const found = w1Canaries.filter((c) => r.body.includes(c) && !sent.includes(c))
      // A refusal by role alone (the same answer as for an id that does not exist) tells nothing.
      const unknownId = inW1[collection]!.replace(/.{6}$/, 'zzzzzz')
      const nobody = await call(ws2Admin.headers, op.method, op.path.replace(/\{\w+\}/, unknownId), body)
      const sameAsNobody =
        r.statusCode === nobody.statusCode && r.body === nobody.body.replaceAll(unknownId, inW1[collection]!)
      if ((r.statusCode !== 404 && !sameAsNobody) || found.length > 0)
        failures.push(`${op.method} ${url} → ${r.statusCode} ${found}: ${r.body.slice(0, 160)}`)
    }
    // Lists show nothing of W1's.
    for (const list of ['/api/v1/credentials', '/api/v1/workflows', '/api/v1/reviews']) {
      const r = await call(ws2Admin.headers, 'GET', list)
      const found = w1Canaries.filter((c) => r.body.includes(c))
      if (r.statusCode !== 200 || found.length > 0) failures.push(`GET ${list} → ${r.statusCode} ${found}`)
    }
    expect(failures).toEqual([])
    const run = await ok(env.auth(), 'GET', `/api/v1/runs/${a.runId}`)
    expect(run.status).toBe('waiting_review')
  })
})
