/**
 * Mistral (La Plateforme, EU-hosted): `random_seed` instead of `seed`; `tool_choice` says
 * `"any"` where OpenAI says `"required"`.
 * @see https://docs.mistral.ai/api/#tag/chat
 * @module
 */
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

export const mistralQuirks: OpenAICompatQuirks = {
  kind: 'mistral',
  prepareRequest(body) {
    const { seed, ...rest } = body
    const out = { ...rest } as typeof body
    if (seed != null) out.random_seed = seed
    if (out.tool_choice === 'required') out.tool_choice = 'any' as never
    return out
  },
}
