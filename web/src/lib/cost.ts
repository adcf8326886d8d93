/**
 * Per-message cost for chat: streamed chunks carry token counts but not cost, so the page
 * prices them with the same table the server meters with (`/api/v1/prices/lookup`, org
 * overrides first). Lookups are cached for the page's life.
 * @module
 */
import { get } from '../api/client.js'
import type { Credential, Page } from '../api/types.js'
import { credentialOf } from './models.js'

interface Quote {
  known: boolean
  prices: { input: number; output: number } | null
}

let providers: Promise<Map<string, string>> | null = null
const quotes = new Map<string, Promise<Quote | null>>()

/** Cost in USD of input/output tokens at unit prices in USD per million tokens. */
export function priceTokens(
  p: { input: number; output: number },
  inputTokens: number,
  outputTokens: number,
): number {
  return (inputTokens * p.input + outputTokens * p.output) / 1_000_000
}

/** Estimated cost of a turn answered by `modelId` (`credential/model`); null when unpriced. */
export async function estimateCost(
  modelId: string,
  inputTokens: number,
  outputTokens: number,
): Promise<number | null> {
  const cred = credentialOf(modelId)
  if (!cred) return null
  providers ??= get<Page<Credential>>('/api/v1/credentials')
    .then((r) => new Map(r.data.map((c) => [c.name, c.provider])))
    .catch(() => new Map())
  const provider = (await providers).get(cred)
  if (!provider) return null
  const model = modelId.slice(cred.length + 1)
  const key = `${provider}\u0000${model}`
  if (!quotes.has(key)) {
    quotes.set(
      key,
      get<Quote>(
        `/api/v1/prices/lookup?provider=${encodeURIComponent(provider)}&model=${encodeURIComponent(model)}`,
      ).catch(() => null),
    )
  }
  const q = await quotes.get(key)!
  return q?.known && q.prices ? priceTokens(q.prices, inputTokens, outputTokens) : null
}
