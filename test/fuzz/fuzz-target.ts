/**
 * What the fuzz suites aim at: a furnished org (one real object per path parameter) and a second
 * org on the real runtime, the server's own OpenAPI operations, and each operation's baseline
 * (its valid example plus the pools of real ids and taken names the cases draw from).
 */
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { TestDialect } from '../helpers.js'
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
import type { Baseline, FuzzRequest } from './fuzz-case.js'
import { exampleOf } from './schema-arbitraries.js'

const PREFIX = 'fz'
const MEMBER_EMAIL = 'fuzz-member@fuzz.test'

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
export function rank(op: Op): number {
  if (op.method === 'DELETE') return 2
  return /\/cancel$/.test(op.path) ? 1.5 : /\/(review|rotate)$/.test(op.path) ? 1 : 0
}

export interface FuzzTarget {
  env: E2eEnv
  a: Furnished
  b: SecondOrg
  /** Every operation of the OpenAPI document, deletes and run-ending moves last. */
  ops: Op[]
  baseline(op: Op): Baseline
  /** The request's own headers over its caller's credentials. */
  headersOf(req: FuzzRequest): Record<string, string>
}

/** Builds the env and furnishes both orgs; `apiKey` is the key sealed in the org's workspace credential. */
export async function fuzzTarget(dialect: TestDialect, apiKey: string): Promise<FuzzTarget> {
  const env = await createE2eEnv(dialect)
  const a = await furnishOrg(env, PREFIX, { memberEmail: MEMBER_EMAIL, apiKey })
  const b = await createSecondOrg(env)
  const ops = operations(await openApiDoc(env)).sort((x, y) => rank(x) - rank(y))
  const given = examples(env, a)
  const ids = [...Object.values(a), b.workspaceId, b.credentialId, b.orgId]
  const names = ['oa', 'an', `${PREFIX}-ws-key`, `${PREFIX}-route`, `${PREFIX}-budget`, `${PREFIX}-ws2`]
  const who: Record<string, Record<string, string>> = {
    owner: env.auth(),
    auditor: env.auth('auditor'),
    member: env.auth('member'),
    'other-org': b.owner,
    none: {},
    garbage: {},
  }
  return {
    env,
    a,
    b,
    ops,
    baseline(op) {
      const key = `${op.method} ${op.path}`
      const schema = op.op.requestBody?.content?.['application/json']?.schema
      return {
        url: fillPath(op.path, a) ?? op.path,
        query: QUERIES[key] ?? {},
        body: key in given ? given[key] : schema ? exampleOf(schema) : undefined,
        ids,
        names: [...names, `${PREFIX}-flow`, `${PREFIX}-token`, 'b-key', MEMBER_EMAIL],
      }
    },
    headersOf: (req) => ({ ...who[req.caller], ...req.headers }),
  }
}

/**
 * Lets app.inject's answered responses go. Its stand-in socket acknowledges one write per
 * event-loop turn, and a run of requests that never yields to the loop (SQLite reads are
 * synchronous) keeps every response it answered queued there until it does: issue 19's long
 * run "leaked" a gigabyte that way (the test's memory, not the server's).
 */
export async function letInjectGo(): Promise<void> {
  while (process.getActiveResourcesInfo().includes('Immediate')) await new Promise((r) => setImmediate(r))
}

/** Heap bytes in use after a full collection (inject's queued responses let go first). */
export async function heapAfterGc(): Promise<number> {
  await collect()
  return process.memoryUsage().heapUsed
}

/**
 * Heap bytes holding data after a full collection: the heap less its code spaces. Code grows
 * as V8 compiles and optimises the paths a run exercises (~2 MB over a thousand fuzz requests,
 * measured), which is bounded by the code, not by the traffic.
 */
export async function dataHeapAfterGc(): Promise<number> {
  await collect()
  return v8
    .getHeapSpaceStatistics()
    .filter((s) => !s.space_name.startsWith('code_'))
    .reduce((n, s) => n + s.space_used_size, 0)
}

async function collect(): Promise<void> {
  await letInjectGo()
  v8.setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  // Twice, with a turn between: finalizers and weak callbacks of the first free more for the second.
  gc()
  await new Promise((r) => setImmediate(r))
  gc()
}

/** Memory in MB after a full collection (the figure the fuzz run log reports; never asserted). */
export async function memory(): Promise<{ rss: number; heap: number }> {
  const heap = await heapAfterGc()
  return { rss: Math.round(process.memoryUsage().rss / 2 ** 20), heap: Math.round(heap / 2 ** 20) }
}
