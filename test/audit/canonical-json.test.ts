import { createHash } from 'node:crypto'
import canonicalizeModule from 'canonicalize'
import { describe, expect, it } from 'vitest'
import { type AuditRecord, hashRecord, recordTexts } from '../../src/audit/audit-record.js'
import { canonicalJson } from '../../src/audit/canonical-json.js'

// CommonJS package: the callable is the module itself at run time.
const canonicalize = ((canonicalizeModule as unknown as { default?: unknown }).default ??
  canonicalizeModule) as (v: unknown) => string

function random(depth: number): unknown {
  const r = Math.random()
  if (depth > 3 || r < 0.3) {
    const pick = Math.floor(Math.random() * 7)
    return [
      null,
      true,
      false,
      Math.random() * 1e6 - 5e5,
      Math.floor(Math.random() * 1e15),
      1e-7 * Math.random(),
      `s\u00e9\u{1F600}"\\\n${Math.random()}`,
    ][pick]
  }
  if (r < 0.5) return Array.from({ length: Math.floor(Math.random() * 4) }, () => random(depth + 1))
  const o: Record<string, unknown> = {}
  for (let i = 0; i < Math.floor(Math.random() * 6); i++)
    o[['b', 'a', 'é', 'A', '\u20ac', 'aa', '1', '10', '2'][Math.floor(Math.random() * 9)]!] = random(
      depth + 1,
    )
  return o
}

describe('canonical JSON (RFC 8785)', () => {
  it('matches the canonicalize package on random values', () => {
    for (let i = 0; i < 2000; i++) {
      const v = random(0)
      expect(canonicalJson(v)).toBe(canonicalize(v))
    }
  })

  it('known vectors: key order by UTF-16 code units, ES number forms', () => {
    expect(canonicalJson({ b: 1, a: [1e21, 1e-7, -0, 0.1], '\u20ac': 'x', '\r': true })).toBe(
      '{"\\r":true,"a":[1e+21,1e-7,0,0.1],"b":1,"€":"x"}',
    )
    expect(() => canonicalJson({ a: Number.NaN })).toThrow()
  })
})

describe('audit record hashing', () => {
  const obj = () => (Math.random() < 0.2 ? null : (random(1) as Record<string, unknown>))
  const record = (): AuditRecord => ({
    v: 1,
    id: `aud_${Math.random()}`,
    orgId: 'org_x',
    seq: Math.floor(Math.random() * 1e6),
    ts: Date.now(),
    actor: 'tok_a',
    actorKind: 'token',
    action: 'gateway.call',
    targetType: Math.random() < 0.5 ? null : 'credential',
    targetId: null,
    credentialId: 'cred_x',
    workspaceId: null,
    provider: 'anthropic',
    model: 'claude-x',
    status: 'ok',
    inputShape: { tools: ['b', 'a'], messages: 2, roles: { user: 1, system: 1 } },
    outputShape: obj() as AuditRecord['outputShape'],
    usage: obj() as AuditRecord['usage'],
    costUsd: Math.random() < 0.5 ? null : Math.random(),
    latencyMs: 12,
    details: obj() as AuditRecord['details'],
    prevHash: 'f'.repeat(64),
  })

  it('hashes exactly the canonicalize package output, with or without precomputed texts', () => {
    for (let i = 0; i < 500; i++) {
      const r = record()
      const reference = createHash('sha256').update(canonicalize(r)).digest('hex')
      expect(hashRecord(r)).toBe(reference)
      expect(hashRecord(r, recordTexts(r))).toBe(reference)
      // The stored texts are plain JSON of the same values.
      const texts = recordTexts(r)
      expect(texts.inputShape === null ? null : JSON.parse(texts.inputShape)).toEqual(r.inputShape)
    }
  })
})
