/**
 * Embedding input helpers for targets that take text only (Gemini, Bedrock): OpenAI also
 * allows token arrays, which those providers cannot accept.
 * @module
 */
import { badRequest } from '../../errors/app-error.js'
import type { EmbeddingsRequest } from '../adapter.js'

export function embeddingTexts(req: EmbeddingsRequest): string[] {
  const input = req.input
  if (typeof input === 'string') return [input]
  if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string'))
    return input as string[]
  throw badRequest('embeddings for this provider take text input (a string or strings), not token arrays', {
    param: 'input',
  })
}

/** Rough token estimate when the provider reports none: ~4 characters per token. */
export function estimateTokens(texts: string[]): number {
  return texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0)
}

/**
 * Vector in the caller's `encoding_format`: `base64` is little-endian float32 bytes, as OpenAI
 * returns it (the openai SDK asks for base64 by default and decodes it).
 */
export function encodeEmbedding(
  values: number[],
  format: EmbeddingsRequest['encoding_format'],
): number[] | string {
  if (format !== 'base64') return values
  const buf = Buffer.alloc(values.length * 4)
  for (const [i, v] of values.entries()) buf.writeFloatLE(v, i * 4)
  return buf.toString('base64')
}
