import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../src/audit/audit-event.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { canaryKey, createCredential } from './vault-helpers.js'

describe.each(DIALECTS)('management events and master-key API (%s)', (dialect) => {
  let env: TestEnv
  const events: { e: AuditEvent; inTransaction: boolean }[] = []
  beforeAll(async () => {
    // SQLite: the generated keyring file, so the API can rotate; PostgreSQL needs a key file.
    const keyFile =
      dialect === 'postgres'
        ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-key-')), 'master.key')
        : undefined
    if (keyFile) fs.writeFileSync(keyFile, `${Buffer.alloc(32, 9).toString('base64')}\n`, { mode: 0o600 })
    env = await createTestEnv(dialect, {
      env: { LATCHKEY_MASTER_KEY: '', ...(keyFile ? { LATCHKEY_MASTER_KEY_FILE: keyFile } : {}) },
      setup(rt) {
        rt.audit = {
          async record(trx, e) {
            events.push({ e, inTransaction: trx.isTransaction })
          },
        }
      },
    })
  })
  afterAll(async () => {
    await env?.close()
  })

  it('records every management action inside its transaction, without secrets', async () => {
    const key = canaryKey()
    const c = (
      await createCredential(env, env.auth('admin'), {
        name: 'ev',
        provider: 'openai',
        apiKey: key,
        scope: 'org',
      })
    ).json
    const call = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
      env.app.inject({
        method,
        url: `/api/v1/credentials/${c.id}${url}`,
        headers: env.auth('admin'),
        payload: payload as object,
      })
    await call('PATCH', '', { models: ['a'] })
    await call('POST', '/rotate', { apiKey: canaryKey() })
    const tok = await env.rt.db.db.selectFrom('access_tokens').select('id').executeTakeFirstOrThrow()
    await call('POST', '/grants', { subjectType: 'token', subjectId: tok.id, right: 'use' })
    await call('DELETE', '/grants', { subjectType: 'token', subjectId: tok.id, right: 'use' })
    await call('DELETE', '')
    const mine = events.filter((x) => x.e.credentialId === c.id)
    expect(mine.map((x) => x.e.action)).toEqual([
      'credential.created',
      'credential.updated',
      'credential.rotated',
      'credential.granted',
      'credential.grant_revoked',
      'credential.revoked',
    ])
    for (const x of mine) {
      expect(x.inTransaction).toBe(true)
      expect(x.e).toMatchObject({
        orgId: env.orgId,
        actorKind: 'token',
        targetType: 'credential',
        targetId: c.id,
      })
    }
    expect(JSON.stringify(events)).not.toContain(key)
  })

  it('lets owners rotate the master key through the API, in the background', async () => {
    await createCredential(env, env.auth('admin'), {
      name: 'mk',
      provider: 'openai',
      apiKey: canaryKey(),
      scope: 'org',
    })
    expect(
      (await env.app.inject({ method: 'POST', url: '/api/v1/master-key/rotate', headers: env.auth('admin') }))
        .statusCode,
    ).toBe(403)
    const before = (
      await env.app.inject({ method: 'GET', url: '/api/v1/master-key', headers: env.auth('owner') })
    ).json()
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/master-key/rotate',
      headers: env.auth('owner'),
    })
    expect(r.statusCode).toBe(202)
    expect(r.json().activeKeyId).not.toBe(before.activeKeyId)
    let status = r.json()
    for (let i = 0; i < 200 && (status.rotating || status.running); i++) {
      await new Promise((res) => setTimeout(res, 25))
      status = (
        await env.app.inject({ method: 'GET', url: '/api/v1/master-key', headers: env.auth('owner') })
      ).json()
    }
    expect(status).toMatchObject({ rotating: false, remaining: 0, lastError: null })
    expect(events.map((x) => x.e.action)).toContain('master_key.rotated')
    const p = (await env.rt.auth.authenticateToken(env.tokens.member))!
    env.rt.vault.cache.invalidate()
    expect(await env.rt.credentials.find(p, 'mk')).not.toBeNull()
    const metrics = await env.rt.metrics.metrics()
    expect(metrics).toContain('latchkey_vault_unseal_total')
  })
})

describe('master-key API with an environment key', () => {
  it('answers 409 explaining that the key must be rotated with the CLI', async () => {
    const env = await createTestEnv('sqlite')
    try {
      const r = await env.app.inject({
        method: 'POST',
        url: '/api/v1/master-key/rotate',
        headers: env.auth('owner'),
      })
      expect(r.statusCode).toBe(409)
      expect(r.json().error.message).toMatch(/LATCHKEY_MASTER_KEY: pass --new-key-file/)
    } finally {
      await env.close()
    }
  })
})
