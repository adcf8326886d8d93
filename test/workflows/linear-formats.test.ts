/**
 * The linear-time formats and patterns mean what ajv-formats' and V8's do: every rewrite is
 * compared with the original on values chosen around its edges (the originals run here only
 * on short values, where backtracking costs nothing).
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { validateAgainst } from '../../src/workflows/json-schema.js'
import { linearFormats, uriSource } from '../../src/workflows/linear-formats.js'
import { linearRegExp, PATTERN_WORK_LIMIT, withPatternBudget } from '../../src/workflows/linear-regexp.js'

const require = createRequire(import.meta.url)
const { fullFormats } = require('ajv-formats/dist/formats') as {
  fullFormats: Record<string, RegExp | ((s: string) => boolean) | { validate: unknown }>
}

function original(name: string): (s: string) => boolean {
  const f = fullFormats[name]!
  if (f instanceof RegExp) return (s) => f.test(s)
  if (typeof f === 'function') return f
  throw new Error(`${name} is not a string check`)
}
const ours = linearFormats() as Record<string, (s: string) => boolean>

const octets = [
  '0',
  '1',
  '9',
  '10',
  '11',
  '16',
  '31',
  '32',
  '99',
  '100',
  '127',
  '128',
  '168',
  '169',
  '172',
  '192',
  '223',
  '224',
  '254',
  '255',
  '256',
  '05',
]
const ipHosts = octets
  .flatMap((a) => octets.map((b) => `${a}.${b}.1.1`))
  .concat(['1.2.3.0', '1.2.3.254', '1.2.3.255'])

const CASES: Record<string, string[]> = {
  duration: [
    'P',
    'P1D',
    'PT',
    'PT1H',
    'PT1',
    'P1Y2M3DT4H5M6S',
    'P1W',
    'P1WT1H',
    'PT1M1S',
    'P1DT',
    'P1S',
    'p1d',
    'P1YT1S',
  ],
  hostname: [
    'a',
    'example.com',
    'example.com.',
    '-a.com',
    'a-.com',
    `${'a'.repeat(63)}.com`,
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(126)}a`,
    `${'a.'.repeat(126)}aa`,
    `${'a.'.repeat(127)}`,
    `${'a.'.repeat(127)}.`,
    '',
    'a..b',
    'EXAMPLE.COM',
    'a\nb',
  ],
  url: [
    ...ipHosts.map((h) => `http://${h}/x`),
    'https://example.com',
    'https://example.com:8080/path?q=1#f',
    'ftp://user:pass@example.com/',
    'http://a@b@example.com',
    'http://a@10.0.0.1@example.com',
    'http://a@example.com@10.0.0.1',
    'http://localhost',
    'http://exa mple.com',
    'http://example.c',
    'http://例え.テスト',
    'http://example.com/\u00a0',
    'mailto:a@b.com',
    'HTTP://EXAMPLE.COM',
    'http://1.2.3.4:1',
    'http://1.2.3.4:12',
  ],
  uri: [
    'https://example.com/a?b#c',
    'urn:isbn:0451450523',
    'a:b',
    '/relative',
    'relative',
    'http://[::1]:80/',
    'http://[v1.x]/',
    'http://"quoted"',
    'a:"',
    'http://exa mple',
    'http://%zz',
    'x:',
    '1a:b',
  ],
  'uri-reference': ['', '/a', '?q', '#f', 'a"b', 'http://x/y', 'http://exa mple', '//host'],
  email: ['a@b.co', 'a.b@c.d', 'a..b@c.d', 'a@b', '@b.co', 'a@-b.co', 'A@B.CO'],
  ipv4: ['1.2.3.4', '256.1.1.1', '01.1.1.1', '1.2.3'],
  ipv6: ['::1', '1::', '1:2:3:4:5:6:7:8', '1::2::3', '::ffff:1.2.3.4', 'g::1'],
  uuid: ['123e4567-e89b-12d3-a456-426614174000', 'urn:uuid:123E4567-E89B-12D3-A456-426614174000', '123'],
  'uri-template': ['http://x/{a}', 'http://x/{+a,b:3}', 'http://x/{', 'a b'],
  'json-pointer': ['', '/a', '/a~0b', '/a~2', 'a'],
  'json-pointer-uri-fragment': ['#', '#/a', '#/a%20b', '#/~2'],
  'relative-json-pointer': ['0', '1/a', '0#', '01', '-1'],
}

describe('linear formats', () => {
  it('rebuilds the private `uri` regex of ajv-formats exactly', () => {
    const src = fs.readFileSync(require.resolve('ajv-formats/dist/formats'), 'utf8')
    const literal = /^const URI = \/(.*)\/i;$/m.exec(src)![1]!
    expect(uriSource()).toBe(new RegExp(literal, 'i').source)
  })

  it.each(Object.keys(CASES))('%s gives the same answers as ajv-formats', (name) => {
    const want = original(name)
    for (const s of CASES[name]!) expect([s, ours[name]!(s)]).toEqual([s, want(s)])
  })

  it('no format of the full set is left on a backtracking regex', () => {
    for (const [name, f] of Object.entries(linearFormats()))
      expect([name, f instanceof RegExp]).toEqual([name, false])
  })
})

describe('linear patterns', () => {
  it.each([
    ['^\\d{3}-\\d{4}$', ['555-1234', '5555-1234', '555-12345']],
    ['^\\s*$', ['', ' \u00a0\u2028\ufeff\v', 'x']],
    ['^\\S+$', ['a\u00a0', 'abc', '\u3000']],
    ['^[^\\s]+$', ['a\u00a0', 'abc']],
    ['^[\\s\\S]{2}$', ['a\n', 'ab', 'abc']],
    ['^(?<y>\\d{4})-\\p{Lu}$', ['2024-É', '2024-é']],
    ['\\u00e9|\\u{1F600}', ['é', '😀', 'e']],
    ['^\\[\\s\\]$', ['[ ]', '[s]']],
  ] as const)('%s matches as in JavaScript', (pattern, inputs) => {
    const re = linearRegExp(pattern, '')
    const js = new RegExp(pattern, 'u')
    for (const s of inputs) expect([s, re.test(s)]).toEqual([s, js.test(s)])
  })

  it('refuses backreferences and lookaround with a message naming the pattern', () => {
    for (const p of ['(a)\\1', '(?<x>a)\\k<x>', '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b']) {
      expect(() => linearRegExp(p)).toThrow(/is not supported by the linear-time engine/)
    }
  })

  it('distinct patterns in one schema each keep their own meaning', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string', pattern: '^a+$' }, b: { type: 'string', pattern: '^b+$' } },
      patternProperties: { '^x-': { type: 'integer' }, '^y-': { type: 'string' } },
    }
    expect(validateAgainst(schema, { a: 'aa', b: 'bb', 'x-1': 1, 'y-1': 'v' })).toBeNull()
    expect(validateAgainst(schema, { a: 'bb', b: 'aa' })).toMatch(
      /\/a must match pattern.*\/b must match pattern/,
    )
    expect(validateAgainst(schema, { 'x-1': 'v', 'y-1': 1 })).toMatch(
      /x-1 must be integer.*y-1 must be string/,
    )
  })

  it('charges every check to one budget per validation, and refuses past it', () => {
    const re = linearRegExp('^[a-z]+$')
    const long = 'a'.repeat(Math.floor(PATTERN_WORK_LIMIT / re.size / 2))
    // Within budget: one long value.
    expect(withPatternBudget(() => re.test(long))).toBe(true)
    // Several values together exceed it.
    expect(() => withPatternBudget(() => [long, long, long].every((s) => re.test(s)))).toThrow(
      /pattern work limit/,
    )
    const schema = { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' } }
    expect(validateAgainst(schema, [long, long, long])).toMatch(/pattern work limit/)
    // The budget is per validation: the next one starts fresh.
    expect(validateAgainst(schema, [long])).toBeNull()
  })
})
