/**
 * OpenAI-compatible servers that ignore `encoding_format: "base64"` (Ollama, older llama.cpp
 * and others answer float arrays whatever was asked). The openai SDKs ask for base64 by
 * default and decode what comes back as base64 float32: a float array read that way turns
 * into a vector a quarter of its width, silently (ollama/ollama#6934). The pass-through
 * therefore encodes such an answer the way the caller asked for it.
 * @module
 */
import { encodeEmbedding } from '../translate/embedding-input.js'

interface EmbeddingList {
  data?: { embedding?: unknown }[]
}

/**
 * The answer with every float-array embedding as base64 float32, or undefined when nothing
 * needed encoding (the caller then keeps the upstream's bytes).
 */
export function base64Embeddings(json: unknown): unknown {
  const data = (json as EmbeddingList | null)?.data
  if (!Array.isArray(data) || !data.some((d) => Array.isArray(d?.embedding))) return undefined
  return {
    ...(json as object),
    data: data.map((d) =>
      Array.isArray(d?.embedding) && d.embedding.every((v) => typeof v === 'number')
        ? { ...d, embedding: encodeEmbedding(d.embedding as number[], 'base64') }
        : d,
    ),
  }
}
