import fs from 'node:fs'
import { Writable } from 'node:stream'
import pg from 'pg'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KIND_NAMES } from '../../src/providers/kinds.js'
import { createTestEnv, DIALECTS, PG_URL, type TestEnv } from '../helpers.js'
import { canaryKey, createCredential } from './vault-helpers.js'

describe.each(DIALECTS)('credentials API (%s)', (dialect) => {
  let env: TestEnv
  let logs = ''
  const canaries: string[] = []
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs += String(chunk)
        cb()
      },
    })
    env = await createTestEnv(dialect, { runtime: { logger: pino({ level: 'trace' }, sink) } })
  })
  afterAll(async () => {
    await env?.close()
  })

  const post = (body: Record<string, unknown>, role: 'owner' | 'admin' | 'member' | 'auditor' = 'admin') =>
    createCredential(env, env.auth(role), body)

  it('creates a credential and never returns the key', async () => {
    const key = canaryKey()
    canaries.push(key)
    const r = await post({ name: 'openai-prod', provider: 'openai', apiKey: key, models: ['gpt-4.1-mini'] })
    expect(r.status).toBe(201)
    expect(r.body).not.toContain(key)
    expect(r.json).toMatchObject({
      name: 'openai-prod',
      provider: 'openai',
      category: 'frontier',
      baseUrl: 'https://api.openai.com/v1',
      region: null,
      scope: 'workspace',
      version: 1,
      last4: key.slice(-4),
      models: ['gpt-4.1-mini'],
      canUse: true,
      canManage: true,
    })
    expect(r.json.fingerprint).toMatch(/^[0-9a-f]{16}$/)
    const list = await env.app.inject({
      method: 'GET',
      url: '/api/v1/credentials',
      headers: env.auth('member'),
    })
    expect(list.statusCode).toBe(200)
    expect(list.body).not.toContain(key)
    expect(list.json().data.map((c: { name: string }) => c.name)).toContain('openai-prod')
    const one = await env.app.inject({
      method: 'GET',
      url: `/api/v1/credentials/${r.json.id}`,
      headers: env.auth(),
    })
    expect(one.json().id).toBe(r.json.id)
  })

  it('applies kind defaults, regions and structured secrets', async () => {
    const q = await post({ name: 'qwen-bj', provider: 'qwen', apiKey: canaryKey(), region: 'beijing' })
    expect(q.json.baseUrl).toBe('https://dashscope.aliyuncs.com/compatible-mode/v1')
    const secretAccessKey = canaryKey('aws')
    canaries.push(secretAccessKey)
    const b = await post({
      name: 'bedrock-eu',
      provider: 'bedrock',
      region: 'eu-west-1',
      secret: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey },
    })
    expect(b.status).toBe(201)
    expect(b.json).toMatchObject({
      baseUrl: 'https://bedrock-runtime.eu-west-1.amazonaws.com',
      last4: 'MPLE',
    })
    expect(b.body).not.toContain(secretAccessKey)
    const az = await post({
      name: 'azure',
      provider: 'azure-openai',
      baseUrl: 'https://res.openai.azure.com/openai',
      secret: { apiKey: canaryKey('az'), apiVersion: '2024-10-21', deployments: { 'gpt-4o': 'prod-4o' } },
    })
    expect(az.status).toBe(201)
    expect(
      (await post({ name: 'azure2', provider: 'azure-openai', apiKey: canaryKey('az') })).json.error.message,
    ).toMatch(/baseUrl is required/)
    const pk =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n'
    const vx = await post({
      name: 'vertex-eu',
      provider: 'vertex',
      region: 'europe-west4',
      secret: {
        serviceAccount: {
          client_email: 'sa@p.iam.gserviceaccount.com',
          private_key: pk,
          project_id: 'p1',
          private_key_id: 'abcdef0123456789abcd',
        },
      },
    })
    expect(vx.status).toBe(201)
    expect(vx.json).toMatchObject({
      baseUrl: 'https://europe-west4-aiplatform.googleapis.com',
      last4: 'abcd',
    })
    expect(vx.body).not.toContain('MIIEvQ')
    const p = (await env.rt.auth.authenticateToken(env.tokens.admin))!
    expect((await env.rt.credentials.find(p, 'vertex-eu'))?.secret).toMatchObject({ project: 'p1' })
    const o = await post({ name: 'local-llama', provider: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' })
    expect(o.status).toBe(201)
    expect(o.json).toMatchObject({ category: 'local', last4: null })
  })

  it.each([
    [{ name: 'x1', provider: 'nope', apiKey: 'sk-abcdefghijklmnop' }, /unknown provider kind/],
    [{ name: 'x2', provider: 'openai', apiKey: '   ' }, /empty or whitespace/],
    [{ name: 'x3', provider: 'openai' }, /needs an apiKey/],
    [
      { name: 'x4', provider: 'openai', apiKey: 'sk-aaaaaaaaaaaaaaaaaaaa', baseUrl: 'ftp://x.example' },
      /scheme/,
    ],
    [
      {
        name: 'x5',
        provider: 'openai',
        apiKey: 'sk-aaaaaaaaaaaaaaaaaaab',
        baseUrl: 'http://u:p@x.example/v1',
      },
      /credentials/,
    ],
    [
      {
        name: 'x6',
        provider: 'openai',
        apiKey: 'sk-aaaaaaaaaaaaaaaaaaac',
        baseUrl: 'http://169.254.169.254/v1',
      },
      /link-local/,
    ],
    [
      { name: 'x7', provider: 'openai', apiKey: 'sk-aaaaaaaaaaaaaaaaaaad', baseUrl: '::nope' },
      /valid absolute URL/,
    ],
    [{ name: 'x8', provider: 'vllm', apiKey: 'sk-aaaaaaaaaaaaaaaaaaae' }, /baseUrl is required/],
    [{ name: 'bad/name', provider: 'openai', apiKey: 'sk-aaaaaaaaaaaaaaaaaaaf' }, /name must be/],
    [{ name: 'x9', provider: 'qwen', apiKey: 'sk-aaaaaaaaaaaaaaaaaaag', region: 'mars' }, /unknown region/],
    [{ name: 'x10', provider: 'openai', apiKey: 'sk-aaaaaaaaaaaaaaaaaaah', extra: 1 }, /extra/],
  ])('rejects bad input %#', async (body: Record<string, unknown>, why) => {
    const r = await post(body)
    expect(r.status).toBe(400)
    expect(r.json.error.message).toMatch(why)
    const key = String(body.apiKey ?? '').trim()
    if (key) expect(r.body).not.toContain(key)
  })

  it('lists every valid kind when the kind is unknown', async () => {
    const r = await post({ name: 'k', provider: 'gpt', apiKey: 'sk-zzzzzzzzzzzzzzzzzzzz' })
    for (const k of KIND_NAMES) expect(r.json.error.message).toContain(k)
  })

  it('answers 409 on a name collision and on a duplicate key', async () => {
    const key = canaryKey()
    canaries.push(key)
    expect((await post({ name: 'dup', provider: 'openai', apiKey: key })).status).toBe(201)
    const same = await post({ name: 'DUP', provider: 'openai', apiKey: canaryKey() })
    expect(same.status).toBe(409)
    expect(same.json.error.message).toMatch(/name already exists/)
    const dupKey = await post({ name: 'dup2', provider: 'openai', apiKey: key })
    expect(dupKey.status).toBe(409)
    expect(dupKey.json.error.message).toMatch(/already stored/)
    expect(dupKey.body).not.toContain(key)
  })

  it('stores several key-less local servers of one kind (no key, nothing to duplicate)', async () => {
    for (const [name, host] of [
      ['ollama-a', '10.0.0.5'],
      ['ollama-b', '10.0.0.6'],
    ]) {
      const r = await post({ name, provider: 'ollama', baseUrl: `http://${host}:11434/v1` })
      expect(r.status, r.body).toBe(201)
    }
  })

  it('patches metadata, rotates and revokes', async () => {
    const k1 = canaryKey()
    const k2 = canaryKey()
    canaries.push(k1, k2)
    const c = (
      await post({ name: 'rot', provider: 'openai-compatible', apiKey: k1, baseUrl: 'http://10.1.2.3/v1' })
    ).json
    const patched = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${c.id}`,
      headers: env.auth('admin'),
      payload: { baseUrl: 'http://10.1.2.3/openai/v1', models: ['m1'] },
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toMatchObject({ baseUrl: 'http://10.1.2.3/openai/v1', models: ['m1'], version: 1 })
    // Another origin is another identity: the key must come along (issue 15, path 3).
    const moved = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${c.id}`,
      headers: env.auth('admin'),
      payload: { baseUrl: 'http://10.1.2.4:8000/v1' },
    })
    expect(moved.statusCode).toBe(400)
    expect(moved.json().error).toMatchObject({ code: 'key_required_for_new_origin', param: 'apiKey' })
    const bad = await env.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${c.id}`,
      headers: env.auth('admin'),
      payload: { apiKey: k2 },
    })
    expect(bad.statusCode).toBe(400)
    const rot = await env.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${c.id}/rotate`,
      headers: env.auth('admin'),
      payload: { apiKey: k2 },
    })
    expect(rot.statusCode).toBe(200)
    expect(rot.json()).toMatchObject({ version: 2, last4: k2.slice(-4) })
    expect(rot.json().fingerprint).not.toBe(c.fingerprint)
    expect(rot.body).not.toContain(k2)
    const again = await env.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${c.id}/rotate`,
      headers: env.auth('admin'),
      payload: { apiKey: k2 },
    })
    expect(again.statusCode).toBe(409)
    const del = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/credentials/${c.id}`,
      headers: env.auth('admin'),
    })
    expect(del.statusCode).toBe(204)
    const gone = await env.app.inject({
      method: 'GET',
      url: `/api/v1/credentials/${c.id}`,
      headers: env.auth('admin'),
    })
    expect(gone.statusCode).toBe(404)
    // The sealed secret is destroyed with the credential; the name is free again.
    const rows = await env.rt.db.db
      .selectFrom('credential_secrets')
      .selectAll()
      .where('credential_id', '=', c.id)
      .execute()
    expect(rows).toHaveLength(0)
    expect((await post({ name: 'rot', provider: 'openai', apiKey: canaryKey() })).status).toBe(201)
  })

  it('never stores or logs a canary in clear', async () => {
    await env.rt.auth.flushLastUsed()
    expect(canaries.length).toBeGreaterThan(3)
    if (dialect === 'sqlite') {
      const file = env.rt.db.file!
      const bytes = Buffer.concat(
        [file, `${file}-wal`, `${file}-shm`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
      )
      expect(bytes.length).toBeGreaterThan(0)
      for (const c of canaries) expect(bytes.includes(Buffer.from(c))).toBe(false)
    } else {
      const text = await dumpPgSchema(env)
      expect(text.length).toBeGreaterThan(0)
      for (const c of canaries) expect(text).not.toContain(c)
    }
    expect(logs.length).toBeGreaterThan(0)
    for (const c of canaries) expect(logs).not.toContain(c)
  })
})

/** Every row of every table in the test's PostgreSQL schema, as text. */
async function dumpPgSchema(env: TestEnv): Promise<string> {
  const { rows: sp } = await (await import('kysely')).sql<{
    s: string
  }>`select current_schema() as s`.execute(env.rt.db.db)
  const schema = sp[0]!.s
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    const tables = await client.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1',
      [schema],
    )
    let out = ''
    for (const t of tables.rows) {
      const r = await client.query(`select * from "${schema}"."${t.table_name}"`)
      out += JSON.stringify(r.rows)
    }
    return out
  } finally {
    await client.end()
  }
}
