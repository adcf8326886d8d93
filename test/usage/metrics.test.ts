import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestEnv, type TestEnv } from '../helpers.js'
import { callEvent } from './fixtures.js'

describe('usage metrics', () => {
  let env: TestEnv
  beforeAll(async () => {
    env = await createTestEnv('sqlite')
  })
  afterAll(async () => {
    await env?.close()
  })

  it('counts requests, tokens, cost and unpriced calls by provider/model/credential, and the writer state', async () => {
    env.rt.calls.emit(
      callEvent(env.orgId, {
        usage: { inputTokens: 100, outputTokens: 20, cachedReadTokens: 40 },
        costUsd: 0.5,
      }),
    )
    env.rt.calls.emit(
      callEvent(env.orgId, {
        provider: 'ollama',
        model: 'llama3',
        credentialId: 'cred_local',
        costUsd: null,
      }),
    )
    await env.rt.usage.writer.flush()
    const res = await env.app.inject({ method: 'GET', url: '/metrics', headers: env.auth('auditor') })
    const text = res.body
    expect(text).toContain(
      'latchkey_usage_requests_total{provider="openai",model="gpt-4o",credential_id="cred_1",status="ok"} 1',
    )
    expect(text).toContain(
      'latchkey_usage_tokens_total{provider="openai",model="gpt-4o",credential_id="cred_1",kind="cached_read"} 40',
    )
    expect(text).toContain(
      'latchkey_usage_cost_usd_total{provider="openai",model="gpt-4o",credential_id="cred_1"} 0.5',
    )
    expect(text).toContain(
      'latchkey_usage_unpriced_calls_total{provider="ollama",model="llama3",credential_id="cred_local"} 1',
    )
    expect(text).toMatch(/latchkey_usage_writer_queue_depth 0/)
    expect(text).toMatch(/latchkey_usage_journal_bytes \d+/)
    expect(text).toMatch(/latchkey_usage_ttfb_seconds_bucket/)
    // No per-user or per-token labels.
    expect(text).not.toMatch(/latchkey_usage_[a-z_]+\{[^}]*(user|token_id|principal)/)
  })
})
