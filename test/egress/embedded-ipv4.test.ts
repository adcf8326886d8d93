/**
 * Issue 15, path 11 (address classification): IPv6 forms that carry an IPv4 address are
 * judged by that address, in every spelling — IPv4-mapped, IPv4-translated, IPv4-compatible,
 * NAT64 (well-known and local-use prefixes) and 6to4.
 */
import { describe, expect, it } from 'vitest'
import { classifyAddress, makePolicy, refusal } from '../../src/egress/policy.js'

/** Spellings of one IPv4 address inside IPv6, for `a.b.c.d` given as two 16-bit hex groups. */
function spellings(dotted: string, hi: string, lo: string): string[] {
  return [
    // IPv4-mapped
    `::ffff:${dotted}`,
    `::ffff:${hi}:${lo}`,
    `0:0:0:0:0:ffff:${hi}:${lo}`,
    `0000:0000:0000:0000:0000:FFFF:${hi.padStart(4, '0')}:${lo.padStart(4, '0')}`,
    `[::ffff:${hi}:${lo}]`,
    // IPv4-translated (RFC 6145)
    `::ffff:0:${dotted}`,
    `::ffff:0:${hi}:${lo}`,
    // IPv4-compatible (deprecated)
    `::${dotted}`,
    `::${hi}:${lo}`,
    `0:0:0:0:0:0:${hi}:${lo}`,
    // NAT64, well-known and local-use prefixes
    `64:ff9b::${dotted}`,
    `64:ff9b::${hi}:${lo}`,
    `64:ff9b:0:0:0:0:${hi}:${lo}`,
    `64:ff9b:1::${dotted}`,
    `64:ff9b:1::${hi}:${lo}`,
    `64:ff9b:1:0:0:0:${hi}:${lo}`,
    // 6to4
    `2002:${hi}:${lo}::1`,
  ]
}

describe('IPv6 addresses that embed IPv4 are judged by the embedded address', () => {
  const cases: [string, string, string, string][] = [
    ['127.0.0.1', '7f00', '1', 'loopback'],
    ['10.0.0.5', 'a00', '5', 'private'],
    ['192.168.1.20', 'c0a8', '114', 'private'],
    ['169.254.169.254', 'a9fe', 'a9fe', 'blocked'],
    ['100.100.100.200', '6464', '64c8', 'blocked'],
    ['8.8.8.8', '808', '808', 'public'],
  ]
  for (const [dotted, hi, lo, cls] of cases) {
    it(`${dotted} → ${cls} in every spelling`, () => {
      for (const a of spellings(dotted, hi, lo)) expect([a, classifyAddress(a)]).toEqual([a, cls])
    })
  }

  it('keeps :: and ::1 as themselves', () => {
    expect(classifyAddress('::')).toBe('blocked')
    expect(classifyAddress('::1')).toBe('loopback')
    expect(classifyAddress('0:0:0:0:0:0:0:1')).toBe('loopback')
  })

  it('refuses a local-use NAT64 address outside the /96 layout (its IPv4 address is unknowable)', () => {
    // 64:ff9b:1::/48 with a /48 translator prefix would put 127.0.0.1 in groups 3-5.
    expect(classifyAddress('64:ff9b:1:7f00:0:100:808:808')).toBe('blocked')
    expect(refusal(makePolicy('open'), 'x', '64:ff9b:1:7f00:0:100:808:808')).toMatch(/always refused/)
  })

  it('public-only refuses every loopback/private spelling; open refuses every metadata spelling', () => {
    const pub = makePolicy('public-only')
    for (const a of spellings('127.0.0.1', '7f00', '1'))
      expect(refusal(pub, 'x', a)).toMatch(/refuses loopback/)
    for (const a of spellings('10.0.0.5', 'a00', '5')) expect(refusal(pub, 'x', a)).toMatch(/refuses private/)
    const open = makePolicy('open')
    for (const a of spellings('169.254.169.254', 'a9fe', 'a9fe'))
      expect(refusal(open, 'x', a)).toMatch(/always refused/)
  })

  it('the allow-list matches embedded addresses by their IPv4 value', () => {
    const pub = makePolicy('public-only', ['10.0.0.0/8'])
    expect(refusal(pub, 'x', '::a00:5')).toBeNull()
    expect(refusal(pub, 'x', '64:ff9b::10.0.0.5')).toBeNull()
  })
})
