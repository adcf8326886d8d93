import { describe, expect, it } from 'vitest'
import { base64Embeddings } from './embeddings-format.js'

const decode = (b64: string) => {
  const buf = Buffer.from(b64, 'base64')
  return Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4))
}

describe('float embeddings answered to a base64 request', () => {
  it('are encoded as little-endian float32, everything else kept', () => {
    const out = base64Embeddings({
      object: 'list',
      data: [{ object: 'embedding', embedding: [0.5, -0.25, 1], index: 0 }],
      model: 'all-minilm',
      usage: { prompt_tokens: 1, total_tokens: 1 },
    }) as { data: { embedding: string; index: number }[]; model: string; usage: unknown }
    expect(decode(out.data[0]!.embedding)).toEqual([0.5, -0.25, 1])
    expect(out).toMatchObject({ object: 'list', model: 'all-minilm', usage: { prompt_tokens: 1 } })
    expect(out.data[0]).toMatchObject({ object: 'embedding', index: 0 })
  })
  it('leave an answer that already is base64, or is not an embedding list, alone', () => {
    expect(base64Embeddings({ data: [{ embedding: 'AAAAPw==' }] })).toBeUndefined()
    expect(base64Embeddings({ error: 'x' })).toBeUndefined()
    expect(base64Embeddings(null)).toBeUndefined()
    // An array that is not all numbers is not guessed at.
    const odd = base64Embeddings({ data: [{ embedding: ['a'] }] }) as { data: { embedding: unknown }[] }
    expect(odd.data[0]!.embedding).toEqual(['a'])
  })
})
