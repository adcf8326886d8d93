import { describe, expect, it } from 'vitest'
import { prependWarnings, TranslateContext, warningHeaders } from './translate-context.js'

describe('translation warnings', () => {
  it('lenient drops with a warning, strict refuses with a 400 naming the parameter', () => {
    const lenient = new TranslateContext('lenient', 'zhipu')
    lenient.unsupported('top_k')
    expect(lenient.warnings).toEqual(['top_k: not supported by zhipu; dropped'])
    expect(() => new TranslateContext('strict', 'zhipu').unsupported('top_k')).toThrow(
      expect.objectContaining({ status: 400, param: 'top_k', code: 'unsupported_parameter' }),
    )
  })
  it('both headers: one line each, quotes made safe, whole RFC entries only, bounded', () => {
    expect(warningHeaders([])).toEqual({})
    const h = warningHeaders(['a "quoted"\r\nline', 'b\\c'])
    expect(h['x-latchkey-warning']).toBe('a "quoted"  line; b\\c')
    expect(h.warning).toBe(`299 latchkey "a 'quoted'  line", 299 latchkey "b'c"`)
    const many = warningHeaders(Array.from({ length: 100 }, (_, i) => `${i}: ${'x'.repeat(80)}`))
    expect(many['x-latchkey-warning']!.length).toBeLessThanOrEqual(2000)
    expect(many.warning!.length).toBeLessThanOrEqual(2000)
    expect(many.warning).toMatch(/"$/)
    for (const entry of many.warning!.split(', ')) expect(entry).toMatch(/^299 latchkey "\d+: x+"$/)
  })
  it("the caller-side translation's warnings go first, the target's entries stay whole", () => {
    const headers: Record<string, string> = {
      ...warningHeaders(['top_k: not supported by minimax; dropped']),
    }
    prependWarnings(['thinking block dropped'], headers)
    expect(headers['x-latchkey-warning']).toBe(
      'thinking block dropped; top_k: not supported by minimax; dropped',
    )
    expect(headers.warning).toBe(
      '299 latchkey "thinking block dropped", 299 latchkey "top_k: not supported by minimax; dropped"',
    )
    const none: Record<string, string> = {}
    prependWarnings([], none)
    expect(none).toEqual({})
  })
})
