import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { aad, IntegrityError, keyCheckValue, localKeyId, open, seal } from '../../src/vault/crypto.js'
import { localMasterKey, parseKeyList } from '../../src/vault/key-source.js'

describe('vault crypto', () => {
  const key = randomBytes(32)
  const ctx = aad('t', 'org_1', 'cred_1', 1)

  it('round-trips and uses a fresh nonce per seal', () => {
    const a = seal(key, Buffer.from('secret'), ctx)
    const b = seal(key, Buffer.from('secret'), ctx)
    expect(a.equals(b)).toBe(false)
    expect(open(key, a, ctx).toString()).toBe('secret')
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false)
  })

  it('detects tampering of any byte', () => {
    const blob = seal(key, Buffer.from('secret material'), ctx)
    for (const i of [0, 5, 14, blob.length - 1]) {
      const t = Buffer.from(blob)
      t[i] = t[i]! ^ 0x01
      expect(() => open(key, t, ctx)).toThrow(IntegrityError)
    }
  })

  it('binds ciphertext to its associated data (row swap)', () => {
    const blob = seal(key, Buffer.from('x'), ctx)
    expect(() => open(key, blob, aad('t', 'org_1', 'cred_2', 1))).toThrow(IntegrityError)
    expect(() => open(key, blob, aad('t', 'org_1', 'cred_1', 2))).toThrow(IntegrityError)
    // Length-prefixing: shifting a boundary changes the AAD.
    expect(aad('t', 'ab', 'c').equals(aad('t', 'a', 'bc'))).toBe(false)
  })

  it('fails with the wrong key', () => {
    const blob = seal(key, Buffer.from('x'), ctx)
    expect(() => open(randomBytes(32), blob, ctx)).toThrow(IntegrityError)
  })

  it('derives stable key ids and check values without revealing the key', () => {
    expect(localKeyId(key)).toMatch(/^mk_[0-9a-f]{16}$/)
    expect(localKeyId(key)).toBe(localKeyId(Buffer.from(key)))
    expect(keyCheckValue(key)).not.toContain(key.toString('hex').slice(0, 8))
  })

  it('wraps data keys under a master key with context', async () => {
    const mk = localMasterKey(key)
    const dek = randomBytes(32)
    const wrapped = await mk.wrap(dek, Buffer.from('ctx'))
    expect((await mk.unwrap(wrapped, Buffer.from('ctx'))).equals(dek)).toBe(true)
    await expect(mk.unwrap(wrapped, Buffer.from('other'))).rejects.toThrow(IntegrityError)
  })

  it('parses key lists and rejects bad keys without echoing them', () => {
    const a = randomBytes(32).toString('base64')
    const b = randomBytes(32).toString('base64url')
    expect(parseKeyList(`# c\n${a}\n\n${b}\n`, 'f')).toHaveLength(2)
    expect(parseKeyList(`${a},${b}`, 'f')).toHaveLength(2)
    const short = randomBytes(16).toString('base64')
    expect(() => parseKeyList(short, 'LATCHKEY_MASTER_KEY')).toThrow(/32 bytes/)
    try {
      parseKeyList(short, 'LATCHKEY_MASTER_KEY')
    } catch (err) {
      expect((err as Error).message).not.toContain(short)
    }
  })
})
