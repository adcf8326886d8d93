/**
 * scrubSecrets runs inside error paths (upstream errors, key tests): it is documented never to
 * throw, because a throw there turns the real error into a 500. Hostile input, stored values
 * included: lone surrogates (encodeURIComponent throws on them), NUL, huge text, non-strings.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { REDACTED, scrubSecrets, secretStrings } from '../../src/errors/scrub.js'

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '\uD800abcdefgh',
    'abcdefgh\uDFFF',
    'sk-\u0000\u0000\u0000\u0000\u0000\u0000\u0000',
    '%E0%A4%A',
  ),
)

describe('scrubSecrets on hostile input', () => {
  it('a known secret holding a lone surrogate is still scrubbed, without a throw', () => {
    const key = 'sk-abc\uD800defghijkl'
    expect(scrubSecrets(`upstream said: ${key} is wrong`, [key])).toBe(`upstream said: ${REDACTED} is wrong`)
  })

  it('never throws, and no known secret survives verbatim (fast-check, fixed seed)', () => {
    fc.assert(
      fc.property(hostile, fc.array(hostile, { maxLength: 4 }), (text, known) => {
        const withSecrets = `${text} ${known.join(' | ')}`
        const out = scrubSecrets(withSecrets, known)
        for (const k of known) if (k.length >= 8) expect(out.includes(k)).toBe(false)
      }),
      { seed: 19, numRuns: 300 },
    )
  })

  it('takes non-strings and huge text without throwing', () => {
    expect(() =>
      scrubSecrets(undefined as unknown as string, [null, 1, {}] as unknown as string[]),
    ).not.toThrow()
    expect(() =>
      scrubSecrets({
        toString: () => {
          throw new Error('x')
        },
      } as unknown as string),
    ).not.toThrow()
    const huge = `${'-----BEGIN PRIVATE KEY-----'.repeat(2000)}${'sk-'.repeat(30_000)}`
    expect(() => scrubSecrets(huge, ['\uD800'.repeat(10)])).not.toThrow()
    expect(secretStrings({ a: ['\uD800'.repeat(10), { b: 'PRIVATE KEY\n'.repeat(3) }] })).toHaveLength(2)
  })
})
