import { describe, expect, it } from 'vitest'
import { scrubSecrets, secretStrings } from '../../src/errors/scrub.js'
import { KINDS } from '../../src/providers/kinds.js'
import { checkAddress, checkBaseUrl, classifyAddress, type EgressSettings } from '../../src/vault/base-url.js'
import { normalizeSecret } from '../../src/vault/secret-material.js'

const open: EgressSettings = { mode: 'open', allow: [] }

describe('base URL policy', () => {
  it('accepts normal provider URLs and normalises them', () => {
    expect(checkBaseUrl('https://api.openai.com/v1/', open)).toEqual({
      ok: true,
      url: 'https://api.openai.com/v1',
    })
    expect(checkBaseUrl('http://127.0.0.1:11434/v1', open)).toMatchObject({ ok: true })
  })

  it.each([
    ['not a url', /valid absolute URL/],
    ['ftp://example.com', /scheme ftp/],
    ['file:///etc/passwd', /scheme file/],
    ['https://user:pw@example.com/v1', /credentials/],
    ['https://example.com/v1?x=1', /query/],
    ['http://169.254.169.254/latest', /link-local|metadata/],
    ['http://[fe80::1]/', /link-local/],
    ['http://[fd00:ec2::254]/', /metadata/],
    ['http://100.100.100.200/', /metadata/],
    ['http://metadata.google.internal/', /metadata/],
    ['http://[::ffff:169.254.169.254]/', /link-local/],
    ['http://0.0.0.0/', /reserved/],
  ])('refuses %s', (url, why) => {
    const r = checkBaseUrl(url, open)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.reason).toMatch(why)
  })

  it('applies the egress modes and the allow list', () => {
    const pub: EgressSettings = { mode: 'public-only', allow: [] }
    expect(checkBaseUrl('http://10.0.0.5/v1', pub).ok).toBe(false)
    expect(checkBaseUrl('http://localhost:8000/v1', pub).ok).toBe(false)
    expect(checkBaseUrl('http://10.0.0.5/v1', { mode: 'public-only', allow: ['10.0.0.0/8'] }).ok).toBe(true)
    const priv: EgressSettings = { mode: 'private-only', allow: [] }
    expect(checkAddress('8.8.8.8', priv).ok).toBe(false)
    expect(checkAddress('192.168.1.2', priv).ok).toBe(true)
    expect(checkAddress('169.254.169.254', { mode: 'open', allow: ['169.254.0.0/16'] }).ok).toBe(false)
    expect(classifyAddress('::1')).toBe('loopback')
    expect(classifyAddress('example.com')).toBeUndefined()
  })
})

describe('scrubber', () => {
  it('removes known secrets in their encodings and key-shaped strings', () => {
    const known = 'my-very-private-token-123'
    const text = `bad key ${known} / ${encodeURIComponent(known)} sk-proj-abcdefghijklmnop1234 sk-ant-api03-xyzxyzxyzxyz AIzaSyA1234567890abcdefghijklmnopqrstu AKIAABCDEFGHIJKLMNOP lk_abcdefghijklmnopqrstuv Bearer abcdefghijklmnopqrstuvwxyz`
    const out = scrubSecrets(text, [known])
    for (const s of [
      known,
      'sk-proj-abc',
      'sk-ant-api03',
      'AIzaSy',
      'AKIAABCD',
      'lk_abcdef',
      'abcdefghijklmnopqrstuvwxyz',
    ]) {
      expect(out).not.toContain(s)
    }
    expect(out).toContain('bad key [redacted]')
    expect(out).toContain('Bearer [redacted]')
  })

  it('collects secret strings from structured material', () => {
    const s = secretStrings({ apiKey: 'abcdefghij', secret: { headers: { 'x-k': 'zzzzzzzzzz' } } })
    expect(s).toEqual(['abcdefghij', 'zzzzzzzzzz'])
  })
})

describe('secret material', () => {
  it('validates per kind without echoing values', () => {
    expect(() => normalizeSecret(KINDS.openai!, { apiKey: '   ' })).toThrow(/empty or whitespace/)
    expect(() => normalizeSecret(KINDS.openai!, {})).toThrow(/needs an apiKey/)
    expect(normalizeSecret(KINDS.ollama!, {})).toEqual({})
    expect(() =>
      normalizeSecret(KINDS.bedrock!, { secret: { accessKeyId: 'AKIAXXXXXXXXXXXXXXXX' } }),
    ).toThrow(/secretAccessKey/)
    const v = normalizeSecret(KINDS.vertex!, {
      secret: { serviceAccount: JSON.stringify({ client_email: 'a@b', private_key: 'PK' }), project: 'p' },
    })
    expect(v.secret?.serviceAccount).toEqual({ client_email: 'a@b', private_key: 'PK' })
    // A refused key is never quoted back in the error.
    let refused: Error | undefined
    try {
      normalizeSecret(KINDS.openai!, { apiKey: 'has space inside' })
    } catch (err) {
      refused = err as Error
    }
    expect(refused).toBeInstanceOf(Error)
    expect(refused!.message).not.toContain('has space')
  })
})
