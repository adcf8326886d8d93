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
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers.js'
import { fillPath } from '../security/furnished-org.js'
import { caseArb, type FuzzCase, type FuzzRequest, toRequest } from './fuzz-case.js'
import { type FuzzTarget, fuzzTarget, letInjectGo, memory } from './fuzz-target.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 25)
const SEED = Number(process.env.FUZZ_SEED ?? 19)
/** Far above any answer of a healthy server here (long-polls aim at settled runs). */
const REQUEST_TIMEOUT_MS = 20_000
/** The secret no answer may ever carry. */
const CANARY = `sk-fuzzcanary-${randomBytes(12).toString('hex')}`

describe.each(DIALECTS)('fuzz: every management operation (%s)', (dialect) => {
  let t: FuzzTarget
  let sent = 0

  beforeAll(async () => {
    t = await fuzzTarget(dialect, CANARY)
  }, 120_000)

  afterAll(async () => {
    await t?.env.close()
  })

  /** Sends one request; throws (failing the property) on 5xx, hang, canary or a bare 4xx. */
  async function send(req: FuzzRequest, c: FuzzCase): Promise<number> {
    sent++
    let timer: NodeJS.Timeout | undefined
    const hang = new Promise<'hang'>((resolve) => {
      timer = setTimeout(() => resolve('hang'), REQUEST_TIMEOUT_MS)
    })
    const res = await Promise.race([
      t.env.app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers: t.headersOf(req),
        ...(req.payload === undefined ? {} : { payload: req.payload }),
      }),
      hang,
    ])
    clearTimeout(timer)
    // One response at a time in inject's queue, however long the run (see letInjectGo).
    await letInjectGo()
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
    expect(t.ops.length).toBeGreaterThan(40)
    const unfilled = t.ops.filter((op) => op.path.includes('{') && fillPath(op.path, t.a) === null)
    expect(unfilled.map((op) => `${op.method} ${op.path}`)).toEqual([])
  })

  it(
    'answers every mutation of every operation with a 2xx or a 4xx naming the problem',
    async () => {
      const before = await memory()
      const failures: string[] = []
      const exampleStatus: string[] = []
      for (const op of t.ops) {
        const base = t.baseline(op)
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
        if (result.failed) {
          const shrunk = result.counterexample?.[0]
          failures.push(
            `${name}: ${(result.errorInstance as Error | undefined)?.message ?? 'failed'}\n    shrunk case: ${fc.stringify(shrunk).slice(0, 400)}`,
          )
        }
      }
      const after = await memory()
      console.log(
        `[fuzz ${dialect}] ${sent} requests over ${t.ops.length} operations (FUZZ_RUNS=${RUNS}, seed ${SEED}); ` +
          `after GC: RSS ${before.rss} → ${after.rss} MB, heap ${before.heap} → ${after.heap} MB\n  valid examples: ${exampleStatus.join('; ')}`,
      )
      if (failures.length) console.log(`[fuzz ${dialect}] failures:\n${failures.join('\n')}`)
      expect(failures).toEqual([])
      // A long local run (FUZZ_RUNS ×20) takes longer than CI's: the limit grows with it.
    },
    Math.max(900_000, RUNS * 4_000),
  )
})
