import { describe, expect, it } from 'vitest'
import { groupModels, isChatModel } from './models.js'

describe('model pickers', () => {
  it('offer chat models only: embedders, speech and images are left out', () => {
    const g = groupModels([
      { id: 'oa/gpt-4o-mini', mode: 'chat', category: 'frontier' },
      { id: 'oa/text-embedding-3-small', mode: 'embedding', category: 'frontier' },
      { id: 'oa/whisper-1', mode: 'audio', category: 'frontier' },
      { id: 'alias' },
    ])
    expect(g.flatMap((x) => x.models.map((m) => m.id))).toEqual(['oa/gpt-4o-mini', 'alias'])
    expect(isChatModel({ mode: 'embedding' })).toBe(false)
  })
})

describe('key test message', () => {
  it('counts the models the key lists (the server sends a number)', async () => {
    const { testFlash } = await import('./key-test.js')
    expect(testFlash('oa', { ok: true, latencyMs: 19.2, models: 3 }).text).toBe(
      'oa works (19 ms), 3 models listed.',
    )
    expect(testFlash('oa', { ok: true, latencyMs: 4 }).text).toBe('oa works (4 ms).')
    expect(testFlash('an', { ok: true, latencyMs: 4, models: 1 }).text).toBe('an works (4 ms).')
    expect(testFlash('oa', { ok: false, message: 'HTTP 401: bad key' })).toEqual({
      kind: 'error',
      text: 'oa: HTTP 401: bad key',
    })
  })
})
