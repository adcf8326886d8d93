import { describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH, nestedDeeperThan, parseJsonBody } from '../../src/server/json-body.js'

describe('JSON body parser', () => {
  it('parses plain bodies, with or without a byte-order mark', () => {
    expect(parseJsonBody(Buffer.from('{"model":"a/b","messages":[]}'))).toEqual({
      model: 'a/b',
      messages: [],
    })
    expect(parseJsonBody('\ufeff{"a":1}')).toEqual({ a: 1 })
    expect(parseJsonBody('{"text":"a prototype of a constructor"}')).toEqual({
      text: 'a prototype of a constructor',
    })
  })

  it('refuses prototype keys however they are spelt', () => {
    for (const body of [
      '{"__proto__":{"admin":true}}',
      '{"a":{"\\u005f\\u005fproto\\u005f\\u005f":{"admin":true}}}',
      '{"\\u005f_pro\\u0074o__":1}',
      '{"constructor":{"prototype":{"admin":true}}}',
      '{"\\u0063onstructor":{"prototype":{"x":1}}}',
    ]) {
      expect(() => parseJsonBody(body), body).toThrow(/malformed JSON body/)
    }
  })

  it('names empty and malformed bodies', () => {
    expect(() => parseJsonBody('')).toThrow(/empty/)
    expect(() => parseJsonBody('{"a":')).toThrow(/malformed JSON body: /)
  })
})

describe('JSON nesting limit', () => {
  const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth)
  it(`takes ${MAX_JSON_DEPTH} levels and refuses one more, naming the limit`, () => {
    expect(() => parseJsonBody(nested(MAX_JSON_DEPTH))).not.toThrow()
    expect(() => parseJsonBody(nested(MAX_JSON_DEPTH + 1))).toThrow(
      `JSON body nested deeper than ${MAX_JSON_DEPTH} levels (the limit)`,
    )
    expect(() => parseJsonBody(`{"a":${nested(5000)}}`)).toThrow(/nested deeper/)
  })
  it('brackets inside strings do not count, escaped quotes included', () => {
    const s = JSON.stringify({ text: `${'['.repeat(500)}"\\${'{'.repeat(500)}`, k: ['\\'] })
    expect(nestedDeeperThan(s, 3)).toBe(false)
    expect(nestedDeeperThan(JSON.stringify({ a: '\\"', b: [[[[1]]]] }), 3)).toBe(true)
  })
})
