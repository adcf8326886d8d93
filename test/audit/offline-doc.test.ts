/** The offline verification script printed in docs/usage-and-audit.md works on a real export. */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, type TestEnv } from '../helpers.js'
import { callEvent } from '../usage/fixtures.js'

const run = promisify(execFile)
const doc = fs.readFileSync(path.join(import.meta.dirname, '../../docs/usage-and-audit.md'), 'utf8')
const script = /```js\n(\/\/ verify-audit\.mjs[\s\S]*?)```/.exec(doc)?.[1]

describe('documented offline verification', () => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv('sqlite')
    for (let i = 0; i < 12; i++) env.rt.calls.emit(callEvent(env.orgId, { costUsd: i % 3 ? 0.1 * i : null }))
    await env.rt.usage.writer.flush()
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: env.auth('owner'),
      payload: { name: 'doc' },
    })
  })
  afterAll(async () => {
    await env?.close()
  })

  it('accepts the export and rejects a modified one', async () => {
    expect(script).toBeDefined()
    const file = path.join(env.home, 'verify-audit.mjs')
    fs.writeFileSync(file, script!)
    const exp = await env.app.inject({
      method: 'GET',
      url: '/api/v1/audit/export',
      headers: env.auth('auditor'),
    })
    const good = path.join(env.home, 'a.jsonl')
    fs.writeFileSync(good, exp.body)
    const ok = await run(process.execPath, [file, good])
    expect(ok.stdout).toMatch(/^ok: 13 records, head [0-9a-f]{64}/)

    const bad = path.join(env.home, 'b.jsonl')
    fs.writeFileSync(bad, exp.body.replace('"action":"token.created"', '"action":"token.revoked"'))
    await expect(run(process.execPath, [file, bad])).rejects.toThrow(/record 13: modified/)
  })
})
