/**
 * Privacy canaries: random strings placed in prompts, system prompts, tool arguments,
 * outputs and error paths, sent through the real gateway to a fake upstream — then every
 * place Latchkey keeps or shows data is scanned: the SQLite file and its WAL, the usage
 * journal, logs (at debug level), metrics, the audit export and the API's answers.
 * By default not one canary may appear anywhere.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { sql } from 'kysely'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRedis } from '../../src/state/redis.js'
import { type GatewayTestEnv, gatewayEnv } from '../gateway/gateway-helpers.js'
import { DIALECTS, REDIS_URL } from '../helpers.js'

/** Every key and value of the test Redis database, as text (strings, hashes, lists, sets, zsets, streams). */
async function redisDump(url: string): Promise<string> {
  const r = openRedis(url, 'canary-scan')
  try {
    const out: string[] = []
    for (const key of await r.keys('*')) {
      const type = await r.type(key)
      const value =
        type === 'string'
          ? await r.getBuffer(key).then((b) => b?.toString('latin1'))
          : type === 'hash'
            ? await r.hgetall(key)
            : type === 'list'
              ? await r.lrange(key, 0, -1)
              : type === 'set'
                ? await r.smembers(key)
                : type === 'zset'
                  ? await r.zrange(key, 0, -1)
                  : type === 'stream'
                    ? await r.xrange(key, '-', '+')
                    : null
      out.push(`${key} ${JSON.stringify(value)}`)
    }
    expect(out.length).toBeGreaterThan(0)
    return out.join('\n')
  } finally {
    r.disconnect()
  }
}

const canary = (what: string) => `CANARY${what}${randomBytes(9).toString('hex')}`
const C = {
  system: canary('SYS'),
  user: canary('USR'),
  toolArgs: canary('ARG'),
  toolResult: canary('TRS'),
  output: canary('OUT'),
  streamOutput: canary('STO'),
  errorBody: canary('ERR'),
  errorPrompt: canary('EPR'),
  schemaDesc: canary('SCH'),
}

describe.each(DIALECTS)('privacy canaries through the gateway (%s)', (dialect) => {
  let env: GatewayTestEnv
  const logs: string[] = []
  const responses: string[] = []

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk))
        cb()
      },
    })
    // With Redis (CI's second pass) the shared state lives there too, and is scanned below.
    env = await gatewayEnv(dialect, { redis: true, runtime: { logger: pino({ level: 'debug' }, sink) } })
  })
  afterAll(async () => {
    await env?.close()
  })

  async function call(body: Record<string, unknown>) {
    const res = await fetch(`${env.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...env.auth('member'), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    responses.push(...[...res.headers.entries()].map(([k, v]) => `${k}: ${v}`))
    return { status: res.status, text }
  }

  it('sends canaries in every part of requests, responses and errors', async () => {
    const messages = [
      { role: 'system', content: C.system },
      { role: 'user', content: [{ type: 'text', text: C.user }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'lookup', arguments: JSON.stringify({ q: C.toolArgs }) },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: C.toolResult },
    ]
    const tools = [
      {
        type: 'function',
        function: {
          name: 'lookup',
          description: C.schemaDesc,
          parameters: { type: 'object', properties: { q: { type: 'string', description: C.schemaDesc } } },
        },
      },
    ]

    env.fake.words = [C.output]
    const plain = await call({ model: 'oa/gpt-4o', messages, tools, temperature: 0.2 })
    expect(plain.status).toBe(200)
    expect(plain.text).toContain(C.output) // the caller does get its answer

    env.fake.words = ['Hi ', C.streamOutput]
    const streamed = await call({
      model: 'oa/gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(streamed.status).toBe(200)
    expect(streamed.text).toContain(C.streamOutput)

    env.fake.script('gpt-4o-mini', [
      {
        kind: 'status',
        status: 400,
        body: { error: { message: C.errorBody, type: 'invalid_request_error' } },
      },
    ])
    const failed = await call({
      model: 'oa/gpt-4o-mini',
      messages: [{ role: 'user', content: C.errorPrompt }],
    })
    expect(failed.status).toBeGreaterThanOrEqual(400)

    const unknown = await call({
      model: 'nope/whatever',
      messages: [{ role: 'user', content: C.errorPrompt }],
    })
    expect(unknown.status).toBe(404)

    expect(await env.rt.usage.writer.flush()).toBe(true)
    const n = await env.rt.db.db
      .selectFrom('usage_records')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBeGreaterThanOrEqual(3)
  })

  it('no canary in the database file, WAL, journal, logs, metrics, audit export or API answers', async () => {
    await env.rt.usage.checkpoints.tick()
    const places: Record<string, string> = {}
    const home = env.home
    if (dialect === 'sqlite') {
      // The database and its WAL must be there, or the scan proves nothing.
      for (const f of ['latchkey.db', 'latchkey.db-wal']) {
        const p = path.join(home, f)
        expect(fs.existsSync(p), p).toBe(true)
        places[f] = fs.readFileSync(p).toString('latin1')
      }
      expect(places['latchkey.db']! + places['latchkey.db-wal']).toContain('gateway.call')
    }
    if (dialect === 'postgres') {
      // A dump of every table in the test schema, as text.
      const db = env.rt.db.db
      const tables = await sql<{
        t: string
      }>`select table_name as t from information_schema.tables where table_schema = current_schema()`.execute(
        db,
      )
      const dump: string[] = []
      for (const { t } of tables.rows) {
        const rows = await sql`select * from ${sql.table(t)}`.execute(db)
        dump.push(JSON.stringify(rows.rows))
      }
      places.postgresDump = dump.join('\n')
      expect(places.postgresDump).toContain('gateway.call')
    }
    const journal = path.join(home, 'journal')
    expect(fs.existsSync(journal), journal).toBe(true)
    for (const f of fs.readdirSync(journal, { recursive: true })) {
      const p = path.join(journal, String(f))
      if (fs.statSync(p).isFile()) places[`journal/${f}`] = fs.readFileSync(p, 'utf8')
    }
    if (REDIS_URL) places.redis = await redisDump(REDIS_URL)
    places.logs = logs.join('')
    const get = async (url: string, role: 'owner' | 'auditor' = 'auditor') => {
      const r = await env.app.inject({ method: 'GET', url, headers: env.auth(role) })
      expect(r.statusCode, url).toBe(200)
      return r.body
    }
    places.metrics = await get('/metrics')
    places.auditExport = await get('/api/v1/audit/export')
    places.auditList = await get('/api/v1/audit?limit=1000')
    places.usage = await get('/api/v1/usage?groupBy=model&bucket=hour')
    places.usageCsv = await get('/api/v1/usage?groupBy=user&format=csv')
    places.responseHeaders = responses.join('\n')

    // The scan is not vacuous: call records and their shapes are there.
    expect(places.auditExport).toContain('"action":"gateway.call"')
    expect(places.auditExport).toMatch(/"inputShape":\{[^}]*"messages":4/)
    expect(places.logs.length).toBeGreaterThan(0)

    const hits: string[] = []
    for (const [where, text] of Object.entries(places)) {
      for (const [kind, value] of Object.entries(C))
        if (text.includes(value)) hits.push(`${kind} in ${where}`)
    }
    expect(hits).toEqual([])
  })
})
