/**
 * Scale-out, proven with real processes (issue 17): three `latchkey serve` on one fresh
 * PostgreSQL database and one Redis, HAProxy in front health-checking /readyz. Runs in the
 * PostgreSQL + Redis pass (TEST_DATABASE_URL, TEST_REDIS_URL) when HAProxy is installed.
 *
 * Proves: same data everywhere; revocation and key rotation reach every instance; a
 * per-token rate limit is exact across instances; a breaker opened on one instance makes the
 * others skip the target; calls answered by an instance that is then `kill -9`ed with its
 * database writes pending and its disk gone are metered exactly once (its journal is
 * adopted), leadership of background jobs moves off the dead leader, the audit chain
 * verifies; and a rolling restart of every instance under steady load through HAProxy fails
 * no request. No timing assertions: every wait is a bounded poll on a condition.
 */
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { PG_URL, REDIS_URL } from '../helpers.js'
import { available } from '../requirements.js'
import { Cluster, CuttableProxy, HAPROXY, type Instance, until } from './cluster.js'

// The two keys the fake upstream accepts (test/fakes/openai-upstream.ts).
const KEY1 = 'sk-fake-upstream-key-0123456789'
const KEY2 = 'sk-other-upstream-key-9876543210'
const MODEL = 'oa/gpt-4o-mini'

interface Reply {
  status: number
  body: string
  requestId: string | null
}

async function call(
  base: string,
  token: string,
  body: unknown,
  path = '/v1/chat/completions',
): Promise<Reply> {
  const r = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: r.status, body: await r.text(), requestId: r.headers.get('x-latchkey-request-id') }
}

const chat = (model = MODEL, stream = false) => ({
  model,
  stream,
  messages: [{ role: 'user', content: 'hello' }],
})

async function api(base: string, token: string, method: string, path: string, body?: unknown) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await r.text()
  return { status: r.status, json: text ? JSON.parse(text) : null }
}

/** An upstream that is down: every call gets 503 (counted). */
async function deadUpstream(): Promise<{ baseUrl: string; count: () => number; close(): Promise<void> }> {
  let n = 0
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      n++
      res.writeHead(503, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: 'down', type: 'server_error', param: null, code: null } }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    count: () => n,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** Runs `n` calls with `concurrency` workers; returns the replies. */
async function load(n: number, concurrency: number, send: (i: number) => Promise<Reply>): Promise<Reply[]> {
  const out: Reply[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++
        out.push(await send(i))
      }
    }),
  )
  return out
}

const enabled = available('haproxy', !!HAPROXY, 'apt-get install haproxy') && !!PG_URL && !!REDIS_URL

describe.skipIf(!enabled)('3 instances on PostgreSQL + Redis behind HAProxy', { timeout: 300_000 }, () => {
  const cluster = new Cluster()
  let fake: FakeUpstream
  let dead: Awaited<ReturnType<typeof deadUpstream>>
  let dbProxy: CuttableProxy
  let owner: string
  let member: string
  let s: Instance[]

  beforeAll(async () => {
    fake = await startFakeOpenAI()
    dead = await deadUpstream()
    await cluster.createDatabase()
    const pgPort = Number(new URL(cluster.dbUrl).port || 5432)
    dbProxy = new CuttableProxy(pgPort, new URL(cluster.dbUrl).hostname)
    await dbProxy.start()
    // s1 starts first and so leads the background jobs; it reaches PostgreSQL through a
    // proxy the test can cut.
    await cluster.addInstance({ dbUrl: cluster.dbUrlVia(dbProxy.port) })
    await cluster.addInstance()
    await cluster.addInstance()
    s = cluster.instances
    await cluster.startHaproxy()
    owner = await cluster.ownerToken()
    const lb = cluster.lbUrl
    const created = await api(lb, owner, 'POST', '/api/v1/credentials', {
      name: 'oa',
      provider: 'openai',
      apiKey: KEY1,
      baseUrl: fake.baseUrl,
    })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    expect(
      (
        await api(lb, owner, 'POST', '/api/v1/credentials', {
          name: 'down',
          provider: 'openai',
          apiKey: 'sk-down-0123456789abcdef',
          baseUrl: dead.baseUrl,
        })
      ).status,
    ).toBe(201)
    const route = await api(lb, owner, 'POST', '/api/v1/routes', {
      alias: 'failover',
      targets: [{ model: 'down/m' }],
      fallbacks: [{ model: MODEL }],
      retry: { attempts: 1 },
    })
    expect(route.status, JSON.stringify(route.json)).toBe(201)
    const tok = await api(lb, owner, 'POST', '/api/v1/tokens', { name: 'scale-member', role: 'member' })
    member = tok.json.token
  }, 300_000)

  afterAll(async () => {
    await cluster.close()
    await dbProxy?.close()
    await fake?.close()
    await dead?.close()
  })

  it('serves the same data from every instance', async () => {
    for (const inst of s) {
      const creds = await api(inst.url, owner, 'GET', '/api/v1/credentials')
      expect(creds.json.data.map((c: { name: string }) => c.name).sort()).toEqual(['down', 'oa'])
      await until(`${inst.name} knows the route`, async () => {
        const r = await api(inst.url, owner, 'GET', '/api/v1/routes/failover')
        return r.status === 200
      })
    }
  })

  it('revocation reaches every instance', async () => {
    const tok = await api(s[1]!.url, owner, 'POST', '/api/v1/tokens', { name: 'short-lived', role: 'member' })
    for (const inst of s) expect((await call(inst.url, tok.json.token, chat())).status).toBe(200)
    const t0 = Date.now()
    expect((await api(s[1]!.url, owner, 'DELETE', `/api/v1/tokens/${tok.json.id}`)).status).toBe(204)
    for (const inst of s) {
      await until(
        `${inst.name} refuses the revoked token`,
        async () => (await call(inst.url, tok.json.token, chat())).status === 401,
      )
    }
    console.info(`[scale] revocation effective on all 3 instances after ${Date.now() - t0} ms`)
  })

  it('key rotation reaches every instance', async () => {
    const list = await api(cluster.lbUrl, owner, 'GET', '/api/v1/credentials')
    const id = list.json.data.find((c: { name: string }) => c.name === 'oa').id
    expect(
      (await api(s[2]!.url, owner, 'POST', `/api/v1/credentials/${id}/rotate`, { apiKey: KEY2 })).status,
    ).toBe(200)
    const lastAuth = () => fake.requests.at(-1)?.headers.authorization
    for (const inst of s) {
      await until(`${inst.name} uses the new key`, async () => {
        expect((await call(inst.url, member, chat())).status).toBe(200)
        return lastAuth() === `Bearer ${KEY2}`
      })
    }
    // From then on, only the new key leaves any instance.
    const before = fake.requests.length
    for (const inst of s)
      for (let i = 0; i < 3; i++) expect((await call(inst.url, member, chat())).status).toBe(200)
    expect(fake.requests.slice(before).map((r) => r.headers.authorization)).toEqual(
      Array(9).fill(`Bearer ${KEY2}`),
    )
  })

  it('a per-token rate limit is exact across instances', async () => {
    const LIMIT = 12
    expect(
      (await api(s[0]!.url, owner, 'PATCH', '/api/v1/settings', { limits: { tokenRpm: LIMIT } })).status,
    ).toBe(200)
    for (const inst of s) {
      await until(`${inst.name} has the limit`, async () => {
        const r = await api(inst.url, owner, 'GET', '/api/v1/settings')
        return r.json?.limits?.tokenRpm === LIMIT
      })
    }
    const tok = (
      await api(cluster.lbUrl, owner, 'POST', '/api/v1/tokens', { name: 'limited', role: 'member' })
    ).json.token as string
    // The limit counts per calendar minute: do not start in its last seconds.
    while (Date.now() % 60_000 > 50_000) await new Promise((r) => setTimeout(r, 500))
    let replies: Reply[]
    try {
      replies = await load(2 * LIMIT, 6, (i) => call(s[i % 3]!.url, tok, chat()))
    } finally {
      expect(
        (await api(s[0]!.url, owner, 'PATCH', '/api/v1/settings', { limits: { tokenRpm: null } })).status,
      ).toBe(200)
    }
    expect(replies.map((r) => r.status).sort()).toEqual([
      ...Array(LIMIT).fill(200),
      ...Array(LIMIT).fill(429),
    ])
    for (const inst of s) {
      await until(`${inst.name} lifted the limit`, async () => {
        const r = await api(inst.url, owner, 'GET', '/api/v1/settings')
        return r.json?.limits?.tokenRpm === undefined
      })
    }
  })

  it('a token budget is exact across instances: spend passes it by at most one call', async () => {
    const LIMIT = 400
    const tok = await api(cluster.lbUrl, owner, 'POST', '/api/v1/tokens', {
      name: 'budgeted',
      role: 'member',
    })
    const b = await api(cluster.lbUrl, owner, 'POST', '/api/v1/budgets', {
      name: 'scale-budget',
      scope: 'token',
      scopeId: tok.json.id,
      window: 'day',
      limitTokens: LIMIT,
    })
    expect(b.status, JSON.stringify(b.json)).toBe(201)
    // Every instance knows the budget once a call that could never fit is refused before it is
    // sent (nothing is reserved for a refused call).
    let probes = 0
    for (const inst of s) {
      await until(`${inst.name} has the budget`, async () => {
        probes++
        const r = await call(inst.url, tok.json.token, { ...chat(), max_tokens: 100_000 })
        return r.status === 429
      })
    }
    const replies = await load(60, 6, (i) =>
      call(s[i % 3]!.url, tok.json.token, { ...chat(), max_tokens: 20 }),
    )
    const ok = replies.filter((r) => r.status === 200)
    const refused = replies.filter((r) => r.status === 429)
    expect(ok.length + refused.length).toBe(60)
    expect(ok.length).toBeGreaterThan(0)
    expect(refused.length).toBeGreaterThan(0)
    // In the caller's protocol, naming the budget.
    expect(JSON.parse(refused[0]!.body).error).toMatchObject({ code: 'budget_exceeded' })
    // Metered spend of the token (refused calls are metered too, with no tokens): every call
    // is in, and the tokens pass the limit by at most one call.
    let used = 0
    await until('every answered call is metered', async () => {
      const u = await api(cluster.lbUrl, owner, 'GET', '/api/v1/usage?groupBy=user')
      const row = (
        u.json.data as { key: string; requests: number; inputTokens: number; outputTokens: number }[]
      ).find((d) => d.key === tok.json.id)
      used = row ? row.inputTokens + row.outputTokens : 0
      return row?.requests === probes + replies.length
    })
    const perCall = used / ok.length
    expect(used).toBeLessThanOrEqual(LIMIT + perCall)
  })

  it('a breaker opened on one instance makes the others skip the target', async () => {
    // s2 sees the dead target fail until its breaker opens (the fallback answers each call).
    await until('the breaker opens on s2', async () => {
      expect((await call(s[1]!.url, member, chat('failover'))).status).toBe(200)
      const h = await api(s[1]!.url, owner, 'GET', '/api/v1/routes/failover/health')
      return h.json.targets[0].state === 'open'
    })
    for (const inst of [s[0]!, s[2]!]) {
      await until(`${inst.name} follows`, async () => {
        const h = await api(inst.url, owner, 'GET', '/api/v1/routes/failover/health')
        return h.json.targets[0].state === 'open'
      })
    }
    const attempts = dead.count()
    for (const inst of [s[0]!, s[2]!]) {
      for (let i = 0; i < 6; i++) expect((await call(inst.url, member, chat('failover'))).status).toBe(200)
    }
    // Twelve calls on the other instances: not one attempt reached the dead target.
    expect(dead.count()).toBe(attempts)
  })

  it('kill -9 of the leader with writes pending: every answered call metered once, leadership moves, chain verifies', async () => {
    const leaderId = await until('a leader', async () => {
      const rows = await cluster.query<{ holder: string; expires_at: string }>(
        "select holder, expires_at from leases where name = 'jobs'",
      )
      const row = rows[0]
      return row && Number(row.expires_at) > Date.now() ? row.holder : undefined
    })
    expect(leaderId).toBe(cluster.instanceId(s[0]!))

    // Load through the balancer, then calls straight to s1 after cutting it off the database:
    // answered from memory, their usage cannot be written.
    const answered: string[] = []
    const replies = await load(90, 6, (i) => call(cluster.lbUrl, member, chat(MODEL, i % 3 === 0)))
    for (const r of replies) {
      expect(r.status, r.body).toBe(200)
      answered.push(r.requestId!)
    }
    for (let i = 0; i < 3; i++) expect((await call(s[0]!.url, member, chat())).status).toBe(200)
    dbProxy.cut()
    const pending: string[] = []
    for (let i = 0; i < 20; i++) {
      const r = await call(s[0]!.url, member, chat(MODEL, i % 2 === 0))
      expect(r.status, r.body).toBe(200)
      pending.push(r.requestId!)
    }
    await cluster.stop(s[0]!, 'SIGKILL')
    // Its disk is gone too (an ephemeral container): only the shared journal has those calls.
    fs.rmSync(s[0]!.home, { recursive: true, force: true })
    await cluster.waitBalancer(s[0]!, 'DOWN')

    const all = [...answered, ...pending]
    await until(
      'every answered call metered',
      async () => {
        const rows = await cluster.query<{ n: string }>(
          'select count(distinct request_id) as n from usage_records where request_id = any($1)',
          [all],
        )
        return Number(rows[0]!.n) === all.length
      },
      120_000,
    )
    const dup = await cluster.query<{ request_id: string; n: string }>(
      'select request_id, count(*) as n from usage_records where request_id = any($1) group by request_id having count(*) > 1',
      [all],
    )
    expect(dup).toEqual([])

    const newLeader = await until(
      'leadership moves',
      async () => {
        const rows = await cluster.query<{ holder: string; expires_at: string }>(
          "select holder, expires_at from leases where name = 'jobs'",
        )
        const row = rows[0]
        return row && row.holder !== leaderId && Number(row.expires_at) > Date.now() ? row.holder : undefined
      },
      120_000,
    )
    expect([cluster.instanceId(s[1]!), cluster.instanceId(s[2]!)]).toContain(newLeader)

    const verify = await api(cluster.lbUrl, owner, 'GET', '/api/v1/audit/verify')
    expect(verify.json).toMatchObject({ ok: true })

    // The instance comes back (fresh disk, direct database) and the balancer uses it again.
    s[0]!.dbUrl = cluster.dbUrl
    fs.mkdirSync(s[0]!.home, { recursive: true })
    await cluster.start(s[0]!)
    await cluster.waitBalancer(s[0]!, 'UP')
  })

  it('rolling restart of every instance under steady load: no request fails', async () => {
    const failures: string[] = []
    let sent = 0
    let stop = false
    const worker = async (w: number) => {
      while (!stop) {
        const stream = (sent + w) % 2 === 0
        sent++
        try {
          const r = await call(cluster.lbUrl, member, chat(MODEL, stream))
          const broken = r.status !== 200 || (stream && !r.body.includes('[DONE]'))
          if (broken) failures.push(`${r.status} ${r.body.slice(0, 200)}`)
        } catch (err) {
          failures.push(`transport: ${(err as Error).message}`)
        }
      }
    }
    const workers = Array.from({ length: 4 }, (_, w) => worker(w))
    // Wait for the load to be under way, then restart each instance in turn.
    await until('load under way', async () => sent >= 20)
    for (const inst of s) {
      const before = sent
      const code = await cluster.stop(inst, 'SIGTERM')
      expect(code, inst.logs.slice(-3000)).toBe(0)
      await cluster.start(inst)
      await cluster.waitBalancer(inst, 'UP')
      // Some traffic while this instance is back, before the next one goes.
      await until('traffic after restart', async () => sent >= before + 20)
    }
    stop = true
    await Promise.all(workers)
    console.info(`[scale] rolling restart: ${sent} calls, ${failures.length} failed`)
    expect(failures).toEqual([])
  })
})
