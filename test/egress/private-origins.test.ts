/**
 * Issue 15, path 9: the restricted policy of credentials no org admin vouched for — loopback
 * and private addresses only at the org's privateOrigins (or the operator's allow-list).
 */
import { describe, expect, it } from 'vitest'
import { makePolicy, originFor, policyKey, refusal, restrictPrivate } from '../../src/egress/policy.js'
import { checkBaseUrl } from '../../src/vault/base-url.js'

describe('privateOrigins', () => {
  const open = makePolicy('open', ['10.9.0.0/16'])
  const r = restrictPrivate(open, ['http://127.0.0.1:8080', 'https://llm.corp.example'])

  it('refuses loopback/private addresses outside the listed origins, keeps public ones', () => {
    expect(refusal(r, '127.0.0.1', '127.0.0.1', 'http://127.0.0.1:8080')).toBeNull()
    expect(refusal(r, '127.0.0.1', '127.0.0.1', 'http://127.0.0.1:8081')).toMatch(/privateOrigins/)
    expect(refusal(r, 'llm.corp.example', '10.0.0.5', 'https://llm.corp.example')).toBeNull()
    expect(refusal(r, 'llm.corp.example', '10.0.0.5', 'http://llm.corp.example')).toMatch(/privateOrigins/)
    expect(refusal(r, 'x.example', '93.184.216.34', 'https://x.example')).toBeNull()
    // The operator's allow-list still admits its entries; metadata stays refused.
    expect(refusal(r, 'y', '10.9.1.1', 'http://y')).toBeNull()
    expect(refusal(r, 'z', '169.254.169.254', 'http://z')).toMatch(/always refused/)
    // Unrestricted, the mode alone decides.
    expect(refusal(open, '127.0.0.1', '127.0.0.1', 'http://127.0.0.1:8081')).toBeNull()
  })

  it('restricted policies get their own dispatcher key', () => {
    expect(policyKey(r)).not.toBe(policyKey(open))
    expect(policyKey(restrictPrivate(open, []))).not.toBe(policyKey(open))
  })

  it('connection origins are normalised like the URL standard', () => {
    expect(originFor('https:', 'LLM.corp.example', '443')).toBe('https://llm.corp.example')
    expect(originFor('http:', '[::1]', '8080')).toBe('http://[::1]:8080')
    expect(originFor('http:', '::1', '')).toBe('http://[::1]')
  })

  it('checks a base URL literal at save time with a code naming the rule', () => {
    const settings = { mode: 'open' as const, allow: [], privateOrigins: ['http://127.0.0.1:8080'] }
    expect(checkBaseUrl('http://127.0.0.1:8080/v1', settings)).toMatchObject({ ok: true })
    expect(checkBaseUrl('http://localhost:9/v1', settings)).toMatchObject({
      ok: false,
      code: 'private_origin_not_allowed',
    })
    expect(checkBaseUrl('http://[::ffff:10.0.0.1]/v1', settings)).toMatchObject({ ok: false })
  })
})
