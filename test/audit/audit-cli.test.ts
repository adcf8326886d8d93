import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/cli/index.js'
import { createTestEnv, type TestEnv } from '../helpers.js'
import { callEvent } from '../usage/fixtures.js'

describe('latchkey audit verify|export (client of a running server)', () => {
  let env: TestEnv
  const saved = { url: process.env.LATCHKEY_URL, token: process.env.LATCHKEY_TOKEN }
  beforeAll(async () => {
    env = await createTestEnv('sqlite')
    for (let i = 0; i < 30; i++) env.rt.calls.emit(callEvent(env.orgId))
    await env.rt.usage.writer.flush()
    await env.app.listen({ port: 0, host: '127.0.0.1' })
    const addr = env.app.server.address()
    process.env.LATCHKEY_URL = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    process.env.LATCHKEY_TOKEN = env.tokens.auditor
  })
  afterAll(async () => {
    process.env.LATCHKEY_URL = saved.url
    process.env.LATCHKEY_TOKEN = saved.token
    if (saved.url === undefined) delete process.env.LATCHKEY_URL
    if (saved.token === undefined) delete process.env.LATCHKEY_TOKEN
    await env?.close()
  })

  async function run(...args: string[]) {
    const out: string[] = []
    const err: string[] = []
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
      out.push(String(c))
      return true
    })
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
      err.push(String(c))
      return true
    })
    process.exitCode = undefined
    try {
      const code = await main(['node', 'latchkey', ...args])
      return { code, out: out.join(''), err: err.join('') }
    } finally {
      o.mockRestore()
      e.mockRestore()
      process.exitCode = undefined
    }
  }

  it('verify prints {ok:true,count}', async () => {
    const r = await run('audit', 'verify')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, count: 30 })
  })

  it('on a terminal verify prints words, not JSON; --json still prints JSON', async () => {
    const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true })
    try {
      const words = await run('audit', 'verify')
      expect(words.code).toBe(0)
      expect(words.out).toMatch(/^audit chain intact: 30 records\n/)
      const json = await run('audit', 'verify', '--json')
      expect(JSON.parse(json.out)).toMatchObject({ ok: true, count: 30 })
    } finally {
      if (had) Object.defineProperty(process.stdout, 'isTTY', had)
      else delete (process.stdout as { isTTY?: boolean }).isTTY
    }
  })

  it('export writes JSONL that verifies offline; a tampered copy does not', async () => {
    const file = path.join(env.home, 'audit.jsonl')
    const r = await run('audit', 'export', '--out', file)
    expect(r.code, r.err).toBe(0)
    expect(r.err).toContain('exported 30 audit records')
    expect(r.err).toContain('chain intact')
    const ok = await run('audit', 'verify', '--file', file)
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, count: 30 })

    const lines = fs.readFileSync(file, 'utf8').trim().split('\n')
    lines.splice(10, 1) // delete record 11
    fs.writeFileSync(path.join(env.home, 'cut.jsonl'), `${lines.join('\n')}\n`)
    const bad = await run('audit', 'verify', '--file', path.join(env.home, 'cut.jsonl'))
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.out)).toMatchObject({ ok: false, brokenAt: 11 })
  })

  it('a member token is refused with the server message', async () => {
    process.env.LATCHKEY_TOKEN = env.tokens.member
    try {
      const r = await run('audit', 'verify')
      expect(r.code).toBe(1)
      expect(r.err).toContain('403')
    } finally {
      process.env.LATCHKEY_TOKEN = env.tokens.auditor
    }
  })
})
