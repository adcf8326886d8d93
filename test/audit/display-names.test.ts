/**
 * Names instead of ids: the audit listing carries `names` for its actors, keys and workspaces,
 * usage rows carry a `label` (the key's name, and `key name/model` for credential-model), and the
 * usage CSV has names and ids. Ids of another org never resolve to its names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOrg, createWorkspace } from '../../src/identity/orgs.js'
import { insertToken } from '../../src/identity/tokens-repo.js'
import { createTestEnv, DIALECTS, type TestEnv } from '../helpers.js'
import { callEvent } from '../usage/fixtures.js'

describe.each(DIALECTS)('display names for audit and usage (%s)', (dialect) => {
  let env: TestEnv
  let credId: string
  let otherCredId: string
  let ownerTokenId: string
  beforeAll(async () => {
    env = await createTestEnv(dialect)
    const post = async (url: string, payload: object, headers = env.auth('owner')) => {
      const r = await env.app.inject({ method: 'POST', url, headers, payload })
      expect(r.statusCode, r.body).toBe(201)
      return r.json()
    }
    const key = {
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKey: 'sk-names-0123456789',
    }
    credId = (await post('/api/v1/credentials', { name: 'research-eu', ...key })).id
    // Another org's key: its id must not resolve to its name here.
    const orgB = await createOrg(env.rt.db.db, 'B')
    const wsB = await createWorkspace(env.rt.db.db, orgB, 'B ws')
    const tB = await insertToken(env.rt.db.db, {
      orgId: orgB,
      workspaceId: wsB,
      userId: null,
      name: 'b-owner',
      role: 'owner',
      createdBy: 'test',
    })
    otherCredId = (
      await post(
        '/api/v1/credentials',
        { name: 'secret-b-key', ...key },
        { authorization: `Bearer ${tB.raw}` },
      )
    ).id
    ownerTokenId = (await env.rt.auth.authenticateToken(env.tokens.owner))!.tokenId!
    const ts = Date.UTC(2026, 2, 1, 10)
    for (const credentialId of [credId, credId, otherCredId]) {
      env.rt.calls.emit(
        callEvent(env.orgId, {
          ts,
          credentialId,
          tokenId: ownerTokenId,
          principalId: ownerTokenId,
          userId: null,
          provider: 'openai-compatible',
          model: 'gpt-4o-mini',
        }),
      )
    }
    await env.rt.usage.writer.flush()
  })
  afterAll(async () => {
    await env?.close()
  })
  const get = (url: string) => env.app.inject({ method: 'GET', url, headers: env.auth('auditor') })
  const range = 'from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z'

  it('the audit listing names actors and keys, and only those of the org', async () => {
    const res = (await get('/api/v1/audit?limit=100')).json() as {
      data: { actor: string; credentialId: string | null; action: string }[]
      names: Record<string, string>
    }
    const call = res.data.find((r) => r.action === 'gateway.call' && r.credentialId === credId)!
    expect(call.actor).toBe(ownerTokenId)
    expect(res.names[ownerTokenId]).toMatch(/^test-owner.* \(token/)
    expect(res.names[credId]).toBe('research-eu')
    expect(res.names[otherCredId]).toBeUndefined()
    expect(JSON.stringify(res.names)).not.toContain('secret-b-key')
  })

  it('usage rows carry labels: key names, and key name/model for credential-model', async () => {
    const byCred = (await get(`/api/v1/usage?groupBy=credential&${range}`)).json().data
    expect(byCred.find((r: { key: string }) => r.key === credId)).toMatchObject({
      label: 'research-eu',
      requests: 2,
    })
    expect(byCred.find((r: { key: string }) => r.key === otherCredId).label).toBe(otherCredId)
    const byModel = (await get(`/api/v1/usage?groupBy=credential-model&bucket=hour&${range}`)).json()
    const mine = byModel.data.find((r: { key: string }) => r.key === `${credId}/gpt-4o-mini`)
    expect(mine).toMatchObject({ label: 'research-eu/gpt-4o-mini', requests: 2 })
    expect(byModel.series.map((r: { label: string }) => r.label)).toContain('research-eu/gpt-4o-mini')
    const byUser = (await get(`/api/v1/usage?groupBy=user&${range}`)).json().data
    expect(byUser[0].label).toMatch(/^test-owner.* \(token/)
  })

  it('budgets name their target; a token or user target only for readers of the member list', async () => {
    for (const [scope, scopeId] of [
      ['credential', credId],
      ['token', ownerTokenId],
    ]) {
      const r = await env.app.inject({
        method: 'POST',
        url: '/api/v1/budgets',
        headers: env.auth('owner'),
        payload: { scope, scopeId, limitUsd: 5 },
      })
      expect(r.statusCode, r.body).toBe(201)
    }
    const names = async (role: 'owner' | 'member') => {
      const r = await env.app.inject({ method: 'GET', url: '/api/v1/budgets', headers: env.auth(role) })
      return Object.fromEntries(
        (r.json().data as { scopeId: string; scopeName: string | null }[]).map((b) => [
          b.scopeId,
          b.scopeName,
        ]),
      )
    }
    expect(await names('owner')).toEqual({ [credId]: 'research-eu', [ownerTokenId]: 'test-owner (token)' })
    expect(await names('member')).toEqual({ [credId]: 'research-eu', [ownerTokenId]: null })
  })

  it('the usage CSV has the name beside the id', async () => {
    const csv = (await get(`/api/v1/usage?groupBy=credential&format=csv&${range}`)).body
    const [head, ...lines] = csv.trim().split('\n')
    expect(head!.split(',').slice(0, 3)).toEqual(['bucket', 'key', 'label'])
    expect(lines.some((l) => l.startsWith(`,${credId},research-eu,2,`))).toBe(true)
  })
})
