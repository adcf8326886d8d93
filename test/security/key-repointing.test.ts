/**
 * Issue 15, path 3 — re-pointing a key. Before the fix, changing a credential's `baseUrl`
 * re-sealed the existing key for the new host, so anyone who could manage a credential could
 * send the key anywhere (then `POST /credentials/:id/test` or one gateway call). A
 * credential's origin is part of its identity: it is bound into the sealing, and moving the
 * key to another origin through the API needs the key again in the same request (a rotation).
 * Played end to end against the real runtime with a recording attacker server on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { sealPayload } from '../../src/vault/credential-seal.js'
import { DIALECTS } from '../helpers.js'
import { canaryKey } from '../vault/vault-helpers.js'
import { createE2eEnv, type E2eEnv, OPENAI_KEY } from '../workflows/e2e-env.js'
import { type Attacker, startAttacker } from './attacker.js'
import { auditRows } from './security-helpers.js'

describe.each(DIALECTS)('re-pointing a key (%s)', (dialect) => {
  let env: E2eEnv
  let attacker: Attacker
  afterEach(async () => {
    await env?.close()
    await attacker?.close()
  })

  async function credentialId(name: string): Promise<string> {
    const r = await env.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: env.auth('owner') })
    return (r.json().data as { id: string; name: string }[]).find((c) => c.name === name)!.id
  }

  async function keyTest(id: string) {
    return env.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/test`,
      headers: env.auth('admin'),
    })
  }

  async function patch(id: string, payload: Record<string, unknown>) {
    return env.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${id}`,
      headers: env.auth('admin'),
      payload,
    })
  }

  /** A database writer sets base_url; any later change anywhere makes every instance reload. */
  async function writeBaseUrl(id: string, baseUrl: string) {
    await env.rt.db.db.updateTable('credentials').set({ base_url: baseUrl }).where('id', '=', id).execute()
    await env.rt.bus.publish('credentials')
  }

  async function chat(model: string) {
    return env.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: env.auth('member'),
      payload: { model, messages: [{ role: 'user', content: 'hi' }] },
    })
  }

  it('an admin who re-points a key at their server gets nothing (not through /test, not through the gateway)', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker()
    const id = await credentialId('oa')

    // The admin manages the org's OpenAI key and aims it at their own server.
    const moved = await patch(id, { baseUrl: `${attacker.origin}/v1` })
    expect(moved.statusCode, moved.body).toBe(400)
    expect(moved.json().error.message).toMatch(
      /from http:\/\/127\.0\.0\.1:\d+ to http:\/\/127\.0\.0\.1:\d+ needs its key again: send apiKey/,
    )

    // Then asks for the key to be tested, and calls the gateway.
    await keyTest(id)
    await chat('oa/gpt-4o-mini')
    expect(attacker.requests).toHaveLength(0)
    expect(attacker.saw(OPENAI_KEY)).toBe(false)

    // The credential still points where it did and still works there.
    const view = await env.app.inject({
      method: 'GET',
      url: `/api/v1/credentials/${id}`,
      headers: env.auth('admin'),
    })
    expect(view.json().baseUrl).toBe(env.openai.baseUrl)
    const ok = await chat('oa/gpt-4o-mini')
    expect(ok.statusCode, ok.body).toBe(200)
  })

  it('moving a credential to another origin is a rotation: the key is entered again, audited with both origins', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker()
    const id = await credentialId('oa')
    const own = canaryKey('sk-admins-own')

    // With a key in the same request the admin may point the credential anywhere: what
    // travels there is the key they just typed, never the stored one.
    const moved = await patch(id, { baseUrl: `${attacker.origin}/v1`, apiKey: own })
    expect(moved.statusCode, moved.body).toBe(200)
    expect(moved.json()).toMatchObject({ baseUrl: `${attacker.origin}/v1`, version: 2 })
    await keyTest(id)
    await chat('oa/gpt-4o-mini')
    expect(attacker.saw(own)).toBe(true)
    expect(attacker.saw(OPENAI_KEY)).toBe(false)

    // A path change on the same origin keeps the key (the origin is the identity).
    const path = await patch(id, { baseUrl: `${attacker.origin}/openai/v1` })
    expect(path.statusCode, path.body).toBe(200)
    expect(path.json().version).toBe(2)

    const rows = await auditRows(env, 'credential.repointed')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.details).toMatchObject({
      fromOrigin: new URL(env.openai.baseUrl).origin,
      toOrigin: attacker.origin,
      version: 2,
    })
    const all = await env.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000', headers: env.auth() })
    expect(all.body).not.toContain(own)
    expect(all.body).not.toContain(OPENAI_KEY)
  })

  it('a database writer who edits base_url breaks the integrity check: nothing is sent', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker()
    const id = await credentialId('oa')

    await writeBaseUrl(id, `${attacker.origin}/v1`)

    const t = await keyTest(id)
    expect(t.statusCode).toBe(500)
    expect(t.json().error.message).toMatch(/integrity/)
    const c = await chat('oa/gpt-4o-mini')
    expect(c.statusCode).toBe(500)
    expect(c.json().error.message).toMatch(/integrity/)
    expect(attacker.requests).toHaveLength(0)
  })

  /**
   * A row sealed by a release before issue 15 (associated-data layout v1: org, credential,
   * version, provider, base URL). It keeps working unchanged, is protected the same way, and
   * becomes v2 at its re-point.
   */
  async function sealedBeforeIssue15(id: string, baseUrl: string) {
    const db = env.rt.db.db
    const row = await db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const ctx = {
      orgId: row.org_id,
      credentialId: id,
      version: Number(row.version),
      provider: row.provider,
      baseUrl,
      origins: [],
    }
    const sealed = await sealPayload(env.rt.vault.keyring, ctx, { apiKey: OPENAI_KEY }, 1)
    await db
      .updateTable('credential_secrets')
      .set({
        key_id: sealed.keyId,
        wrapped_key: sealed.wrappedKey,
        ciphertext: sealed.ciphertext,
        aad_version: 1,
      })
      .where('credential_id', '=', id)
      .execute()
    await env.rt.bus.publish('credentials')
  }

  it('a row sealed before the fix (layout v1) keeps working, cannot be re-pointed or edited, and re-seals as v2', async () => {
    env = await createE2eEnv(dialect)
    attacker = await startAttacker()
    const id = await credentialId('oa')
    await sealedBeforeIssue15(id, env.openai.baseUrl)
    expect((await chat('oa/gpt-4o-mini')).statusCode).toBe(200)

    const moved = await patch(id, { baseUrl: `${attacker.origin}/v1` })
    expect(moved.statusCode).toBe(400)
    await writeBaseUrl(id, `${attacker.origin}/v1`)
    expect((await keyTest(id)).statusCode).toBe(500)
    expect((await chat('oa/gpt-4o-mini')).statusCode).toBe(500)
    expect(attacker.requests).toHaveLength(0)

    // Put back, then re-pointed properly: the new version is sealed with today's layout.
    await writeBaseUrl(id, env.openai.baseUrl)
    expect((await chat('oa/gpt-4o-mini')).statusCode).toBe(200)
    const own = canaryKey('sk-new')
    const ok = await patch(id, { baseUrl: `${attacker.origin}/v1`, apiKey: own })
    expect(ok.statusCode, ok.body).toBe(200)
    const secrets = await env.rt.db.db
      .selectFrom('credential_secrets')
      .select(['version', 'aad_version'])
      .where('credential_id', '=', id)
      .execute()
    expect(secrets.map((r) => [Number(r.version), Number(r.aad_version)])).toEqual([[2, 2]])
  })
})
