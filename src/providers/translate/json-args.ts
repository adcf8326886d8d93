/**
 * Tool-call argument helpers. OpenAI carries arguments as a JSON *string*; Anthropic, Gemini
 * and Bedrock take an *object*. Models emit empty and broken JSON, so parsing is defensive.
 * @module
 */

/** Parses an OpenAI `arguments` string into an object; `""` → `{}`, invalid → `{_raw}`. */
export function parseArguments(args: string | undefined | null): Record<string, unknown> {
  if (args == null || args.trim() === '') return {}
  try {
    const v = JSON.parse(args) as unknown
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
    return { value: v }
  } catch {
    // Keep the model's text rather than losing it; the next turn can still reference it.
    return { _raw: args }
  }
}

/** Serialises an object input to an OpenAI `arguments` string. */
export function stringifyArguments(input: unknown): string {
  if (input == null) return '{}'
  if (typeof input === 'string') return input
  return JSON.stringify(input)
}

/** JSON.parse that returns undefined instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
