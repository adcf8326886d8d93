import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeysIo, keysAdd, keysList, keysRevoke, keysRotate } from '../../src/cli/commands/keys.js'
import { CliError } from '../../src/cli/index.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { canaryKey, createCredential } from './vault-helpers.js'

/** A fake upstream speaking the OpenAI and Anthropic list-models wire formats. */
function fakeUpstream(goodKey: string) {
  return http.createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.url === '/v1/models') {
      const auth = req.headers.authorization ?? ''
      if (auth === `Bearer ${goodKey}`) {
        return json(200, { object: 'list', data: [{ id: 'm1', object: 'model', created: 1, owned_by: 'x' }] })
      }
      // Like OpenAI, echo the key that was sent.
      return json(401, {
        error: {
          message: `Incorrect API key provided: ${auth.slice(7)}.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      })
    }
    if (req.url?.startsWith('/v1/models?limit=1') && req.headers['anthropic-version']) {
      if (req.headers['x-api-key'] === goodKey)
        return json(200, { data: [{ id: 'claude', type: 'model' }], has_more: false })
      return json(401, {
        type: 'error',
        error: { type: 'authentication_error', message: 'invalid x-api-key' },
      })
    }
    json(404, { error: { message: 'not found' } })
  })
}

describe.each(DIALECTS)('key test endpoint and CLI (%s)', (dialect) => {
  let env: TestEnv
  let upstream: http.Server
  let base: string
  let url: string
  const good = canaryKey()
  beforeAll(async () => {
    env = await createTestEnv(dialect)
    upstream = fakeUpstream(good)
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
    url = await env.app.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(async () => {
    await new Promise((r) => upstream?.close(r))
    await env?.close()
  })

  const test = async (id: string) =>
    env.app.inject({ method: 'POST', url: `/api/v1/credentials/${id}/test`, headers: env.auth('admin') })

  it('reports success and the provider reason, scrubbed', async () => {
    const ok = await createCredential(env, env.auth('admin'), {
      name: 'oc-good',
      provider: 'openai-compatible',
      baseUrl: `${base}/v1`,
      apiKey: good,
    })
    const r1 = await test(ok.json.id)
    expect(r1.json()).toMatchObject({ ok: true, supported: true, status: 200, models: 1 })
    const bad = canaryKey()
    const wrong = await createCredential(env, env.auth('admin'), {
      name: 'oc-bad',
      provider: 'openai-compatible',
      baseUrl: `${base}/v1`,
      apiKey: bad,
    })
    const r2 = await test(wrong.json.id)
    expect(r2.json()).toMatchObject({ ok: false, status: 401 })
    expect(r2.json().message).toMatch(/^Incorrect API key provided: \[redacted\]/)
    expect(r2.body).not.toContain(bad)
    const an = await createCredential(env, env.auth('admin'), {
      name: 'an',
      provider: 'anthropic',
      baseUrl: base,
      apiKey: canaryKey('sk-ant'),
    })
    expect((await test(an.json.id)).json()).toMatchObject({
      ok: false,
      status: 401,
      message: 'invalid x-api-key',
    })
    const bd = await createCredential(env, env.auth('admin'), {
      name: 'bd',
      provider: 'bedrock',
      secret: { accessKeyId: 'AKIAIOSFODNN7EXAMPL2', secretAccessKey: canaryKey('aws') },
    })
    expect((await test(bd.json.id)).json()).toMatchObject({ ok: false, supported: false })
    const down = await createCredential(env, env.auth('admin'), {
      name: 'down',
      provider: 'vllm',
      baseUrl: 'http://127.0.0.1:9/v1',
    })
    expect((await test(down.json.id)).json()).toMatchObject({
      ok: false,
      status: null,
      message: /cannot reach/,
    })
  })

  it('runs keys add|list|rotate|revoke against the server without printing secrets', async () => {
    const out = { stdout: '', stderr: '' }
    const io = (stdin: string, extraEnv: Record<string, string> = {}): KeysIo => ({
      stdin: Readable.from([stdin]),
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
      env: { LATCHKEY_URL: url, LATCHKEY_TOKEN: env.tokens.admin, ...extraEnv },
    })
    const k1 = canaryKey()
    const k2 = canaryKey()
    await keysAdd('cli-key', { provider: 'openai', scope: 'org', models: 'gpt-a, gpt-b' }, io(`${k1}\n`))
    expect(out.stdout).toMatch(
      /^created cli-key \(cred_[^)]+\) provider=openai scope=org version=1 fingerprint=[0-9a-f]{16} last4=/,
    )
    await keysList({}, io(''))
    expect(out.stdout).toMatch(/NAME\s+PROVIDER\s+SCOPE/)
    expect(out.stdout).toMatch(/cli-key\s+openai\s+org\s+1/)
    await keysRotate('cli-key', { fromEnv: 'NEW_KEY' }, io('', { NEW_KEY: k2 }))
    expect(out.stdout).toMatch(/rotated cli-key .* version=2/)
    const p = (await env.rt.auth.authenticateToken(env.tokens.member))!
    expect((await env.rt.credentials.find(p, 'cli-key'))?.apiKey).toBe(k2)
    await keysList({ json: true }, io(''))
    await keysRevoke('cli-key', {}, io(''))
    expect(out.stdout).toMatch(/revoked cli-key/)
    expect(await env.rt.credentials.find(p, 'cli-key')).toBeNull()
    for (const k of [k1, k2]) expect(out.stdout + out.stderr).not.toContain(k)
    await expect(keysAdd('empty', { provider: 'openai' }, io('   \n'))).rejects.toThrow(CliError)
    await expect(keysAdd('x', { provider: 'openai', fromEnv: 'UNSET_VAR' }, io(''))).rejects.toThrow(
      /not set/,
    )
    const denied = keysAdd(
      'y',
      { provider: 'openai', scope: 'org' },
      { ...io(canaryKey()), env: { LATCHKEY_URL: url, LATCHKEY_TOKEN: env.tokens.member } },
    )
    await expect(denied).rejects.toThrow(/server refused \(403\)/)
  })

  it('reads the key from a hidden prompt on a terminal (no echo)', async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[] })
    const stdin = Object.assign(tty, { setRawMode: (raw: boolean) => tty.rawModes.push(raw) })
    const out = { stdout: '', stderr: '' }
    const key = canaryKey()
    const done = keysAdd(
      'tty-key',
      { provider: 'openai', scope: 'org' },
      {
        stdin,
        stdout: { write: (s: string) => (out.stdout += s) },
        stderr: { write: (s: string) => (out.stderr += s) },
        env: { LATCHKEY_URL: url, LATCHKEY_TOKEN: env.tokens.admin },
      },
    )
    // Typed with a typo fixed by backspace, then Enter.
    stdin.write(`${key}x\u007f\r`)
    await done
    expect(stdin.rawModes).toEqual([true, false])
    expect(out.stderr).toContain('openai key for tty-key: ')
    expect(out.stdout + out.stderr).not.toContain(key)
    const p = (await env.rt.auth.authenticateToken(env.tokens.member))!
    expect((await env.rt.credentials.find(p, 'tty-key'))?.apiKey).toBe(key)
  })
})
