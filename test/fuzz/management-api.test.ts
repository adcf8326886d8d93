/**
 * Bad input never gets a 500 (issue 19). Every operation of the server's own OpenAPI document
 * (read at test time, so a route added tomorrow is fuzzed the day it lands) gets its valid
 * example and FUZZ_RUNS property-based mutations of it (fast-check, fixed seed): each body
 * field, query and path parameter drawn from its JSON schema (wrong types, limits ±1, empty,
 * huge and odd unicode, traversal and SQL-looking ids, real ids of both orgs, names already
 * taken), the body as a whole, the content type, and the caller (none, garbage, auditor,
 * member, another org's owner).
 *
 * Any answer of 5xx, no answer within REQUEST_TIMEOUT_MS, a 4xx that is not an error body
 * naming its problem, or the canary key (stored sealed in a credential) in any answer fails
 * the test, naming the operation and the shrunk case.
 *
 * FUZZ_RUNS=400 (say) for a longer local run; FUZZ_SEED to replay another seed.
 */
import { randomBytes } from 'node:crypto'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers.js'
import {
  createSecondOrg,
  type Furnished,
  fillPath,
  furnishOrg,
  type Op,
  openApiDoc,
  operations,
  reviewRecipe,
  type SecondOrg,
} from '../security/furnished-org.js'
import { PASSWORD } from '../security/security-helpers.js'
import { createE2eEnv, type E2eEnv, OPENAI_KEY } from '../workflows/e2e-env.js'
import { type Baseline, caseArb, type FuzzCase, type FuzzRequest, toRequest } from './fuzz-case.js'
import { exampleOf } from './schema-arbitraries.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 25)
const SEED = Number(process.env.FUZZ_SEED ?? 19)
/** Far above any answer of a healthy server here (long-polls aim at settled runs). */
const REQUEST_TIMEOUT_MS = 20_000
const PREFIX = 'fz'
const MEMBER_EMAIL = 'fuzz-member@fuzz.test'
/** The secret no answer may ever carry. */
const CANARY = `sk-fuzzcanary-${randomBytes(12).toString('hex')}`

/** Valid bodies the schemas alone cannot guess (a provider, a recipe, a real member...). */
function examples(env: E2eEnv, a: Furnished): Record<string, unknown> {
  return {
    'POST /api/v1/session': { email: MEMBER_EMAIL, password: PASSWORD },
    'POST /api/v1/invites/accept': { token: 'not-a-real-invite-token', password: PASSWORD },
    'POST /api/v1/tokens': { name: 'fuzz-token', role: 'member' },
    'POST /api/v1/members': { email: 'fuzz-invitee@fuzz.test', role: 'member' },
    'PATCH /api/v1/members/{userId}': { role: 'member' },
    'POST /api/v1/workspaces': { name: 'fuzz-ws' },
    'PATCH /api/v1/workspaces/{id}': { name: 'fuzz-renamed-ws' },
    'PUT /api/v1/workspaces/{id}/members': { userId: a.memberUserId, role: 'member' },
    'PATCH /api/v1/settings': { storeContent: false },
    'POST /api/v1/credentials': {
      name: 'fuzz-key',
      provider: 'openai',
      apiKey: 'sk-fuzz-0123456789abcdef',
      baseUrl: env.openai.baseUrl,
    },
    'PATCH /api/v1/credentials/{id}': { name: 'oa' },
    'POST /api/v1/credentials/{id}/rotate': { apiKey: OPENAI_KEY },
    'POST /api/v1/credentials/{id}/reassign': { userId: a.memberUserId },
    'POST /api/v1/credentials/{id}/grants': { subjectType: 'user', subjectId: a.memberUserId, right: 'use' },
    'DELETE /api/v1/credentials/{id}/grants': {
      subjectType: 'user',
      subjectId: a.memberUserId,
      right: 'use',
    },
    'POST /api/v1/workflows': { yaml: reviewRecipe('fuzz-flow', 'fuzz') },
    'PUT /api/v1/workflows/{id}': { yaml: reviewRecipe(`${PREFIX}-flow`, 'fuzz') },
    'POST /api/v1/workflows/{id}/runs': { inputs: { text: 'x' } },
    'POST /api/v1/workflows/{id}/compare': { inputs: { text: 'x' }, models: ['oa/gpt-4o-mini', 'oa/gpt-4o'] },
    'POST /api/v1/runs/{id}/review': { decision: 'reject', comment: 'fuzz' },
    'POST /api/v1/routes': { alias: 'fuzz-route', targets: [{ model: 'oa/gpt-4o-mini' }] },
    'PUT /api/v1/routes/{alias}': { targets: [{ model: 'oa/gpt-4o-mini' }] },
    'POST /api/v1/compare': { models: ['oa/gpt-4o-mini'], messages: [{ role: 'user', content: 'hi' }] },
    'POST /api/v1/budgets': { name: 'fuzz-budget', scope: 'org', window: 'month', limitUsd: 10 },
    'PATCH /api/v1/budgets/{id}': { limitUsd: 5 },
    'POST /api/v1/prices': { provider: 'openai', model: 'fuzz-model', inputPerMTok: 1, outputPerMTok: 2 },
  }
}

const QUERIES: Record<string, Record<string, string>> = {
  'GET /api/v1/prices/lookup': { provider: 'openai', model: 'gpt-4o-mini' },
}

/** Deletes last (so one cannot hide the others' coverage), and the moves that end a run before them. */
function rank(op: Op): number {
  if (op.method === 'DELETE') return 2
  return /\/cancel$/.test(op.path) ? 1.5 : /\/(review|rotate)$/.test(op.path) ? 1 : 0
}

/**
 * Lets app.inject's answered responses go. Its stand-in socket acknowledges one write per
 * event-loop turn, and a run of requests that never yields to the loop (SQLite reads are
 * synchronous) keeps every response it answered queued there until it does: issue 19's long
 * run "leaked" a gigabyte that way (the test's memory, not the server's).
 */
async function letInjectGo(): Promise<void> {
  while (process.getActiveResourcesInfo().includes('Immediate')) await new Promise((r) => setImmediate(r))
}

/** Memory in MB after a full collection (the figure the run log reports; never asserted). */
async function memory(): Promise<{ rss: number; heap: number }> {
  await letInjectGo()
  v8.setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
  const m = process.memoryUsage()
  return { rss: Math.round(m.rss / 2 ** 20), heap: Math.round(m.heapUsed / 2 ** 20) }
}

describe.each(DIALECTS)('fuzz: every management operation (%s)', (dialect) => {
  let env: E2eEnv
  let a: Furnished
  let b: SecondOrg
  let ops: Op[]
  let sent = 0

  beforeAll(async () => {
    env = await createE2eEnv(dialect)
    a = await furnishOrg(env, PREFIX, { memberEmail: MEMBER_EMAIL, apiKey: CANARY })
    b = await createSecondOrg(env)
    ops = operations(await openApiDoc(env)).sort((x, y) => rank(x) - rank(y))
  }, 120_000)

  afterAll(async () => {
    await env?.close()
  })

  function baseline(op: Op): Baseline {
    const key = `${op.method} ${op.path}`
    const url = fillPath(op.path, a) ?? op.path
    const query = QUERIES[key] ?? {}
    const schema = op.op.requestBody?.content?.['application/json']?.schema
    const given = examples(env, a)
    const body = key in given ? given[key] : schema ? exampleOf(schema) : undefined
    const ids = [...Object.values(a), b.workspaceId, b.credentialId, b.orgId]
    const names = ['oa', 'an', `${PREFIX}-ws-key`, `${PREFIX}-route`, `${PREFIX}-budget`, `${PREFIX}-ws2`]
    return {
      url,
      query,
      body,
      ids,
      names: [...names, `${PREFIX}-flow`, `${PREFIX}-token`, 'b-key', MEMBER_EMAIL],
    }
  }

  function headersOf(req: FuzzRequest): Record<string, string> {
    const who: Record<string, Record<string, string>> = {
      owner: env.auth(),
      auditor: env.auth('auditor'),
      member: env.auth('member'),
      'other-org': b.owner,
      none: {},
      garbage: {},
    }
    return { ...who[req.caller], ...req.headers }
  }

  /** Sends one request; throws (failing the property) on 5xx, hang, canary or a bare 4xx. */
  async function send(req: FuzzRequest, c: FuzzCase): Promise<number> {
    sent++
    let timer: NodeJS.Timeout | undefined
    const hang = new Promise<'hang'>((resolve) => {
      timer = setTimeout(() => resolve('hang'), REQUEST_TIMEOUT_MS)
    })
    const res = await Promise.race([
      env.app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers: headersOf(req),
        ...(req.payload === undefined ? {} : { payload: req.payload }),
      }),
      hang,
    ])
    clearTimeout(timer)
    const what = `${req.method} ${req.url.slice(0, 300)}`
    if (res === 'hang') throw new Error(`${what}: no answer within ${REQUEST_TIMEOUT_MS} ms`)
    const headers = JSON.stringify(res.headers)
    if (res.body.includes(CANARY) || headers.includes(CANARY))
      throw new Error(`${what}: the canary key came back`)
    if (res.statusCode >= 500) throw new Error(`${what}: ${res.statusCode} ${res.body.slice(0, 300)}`)
    if (res.statusCode >= 400) {
      let err: { message?: unknown; code?: unknown; param?: unknown } | undefined
      try {
        err = (res.json() as { error?: typeof err }).error
      } catch {}
      if (typeof err?.message !== 'string' || err.message === '')
        throw new Error(`${what}: ${res.statusCode} without an error message: ${res.body.slice(0, 300)}`)
      // A refused field is named, so the caller knows which one to fix.
      if (
        c.kind === 'field' &&
        err.code === 'validation_failed' &&
        !`${err.message} ${err.param}`.includes(c.field)
      )
        throw new Error(`${what}: 400 not naming ${c.where} field ${c.field}: ${err.message}`)
    }
    return res.statusCode
  }

  it('covers every operation of the OpenAPI document with a real object in each path', () => {
    expect(ops.length).toBeGreaterThan(40)
    const unfilled = ops.filter((op) => op.path.includes('{') && fillPath(op.path, a) === null)
    expect(unfilled.map((op) => `${op.method} ${op.path}`)).toEqual([])
  })

  it('answers every mutation of every operation with a 2xx or a 4xx naming the problem', async () => {
    const before = await memory()
    const failures: string[] = []
    const exampleStatus: string[] = []
    for (const op of ops) {
      const base = baseline(op)
      const name = `${op.method} ${op.path}`
      try {
        exampleStatus.push(
          `${name} → ${await send(toRequest(op, base, { kind: 'example' }), { kind: 'example' })}`,
        )
      } catch (e) {
        failures.push(`${name} (valid example): ${(e as Error).message}`)
      }
      const result = await fc.check(
        fc.asyncProperty(caseArb(op, base), async (c) => {
          await send(toRequest(op, base, c), c)
        }),
        { seed: SEED, numRuns: RUNS },
      )
      await letInjectGo()
      if (result.failed) {
        const shrunk = result.counterexample?.[0]
        failures.push(
          `${name}: ${(result.errorInstance as Error | undefined)?.message ?? 'failed'}\n    shrunk case: ${fc.stringify(shrunk).slice(0, 400)}`,
        )
      }
    }
    const after = await memory()
    console.log(
      `[fuzz ${dialect}] ${sent} requests over ${ops.length} operations (FUZZ_RUNS=${RUNS}, seed ${SEED}); ` +
        `after GC: RSS ${before.rss} → ${after.rss} MB, heap ${before.heap} → ${after.heap} MB\n  valid examples: ${exampleStatus.join('; ')}`,
    )
    expect(failures).toEqual([])
  }, 900_000)
})
