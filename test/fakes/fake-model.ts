/**
 * A deterministic "model" shared by the provider fakes: given what the request asks for, it
 * decides to call the first tool, answer after a tool result, emit JSON for a schema, or say
 * hello. Each wire-format fake renders the decision in its own exact format, so one test can
 * check that swapping providers yields structurally identical answers.
 */

export type Decision =
  | { kind: 'text'; text: string; reasoning?: string }
  | { kind: 'tool'; id: string; name: string; args: Record<string, unknown> }
  | { kind: 'json'; value: Record<string, unknown> }

export interface Asked {
  tools: { name: string; schema?: Record<string, unknown> }[]
  /** The last turn is a tool result. */
  afterToolResult: boolean
  /** JSON schema requested for the output (structured output), if any. */
  schema?: Record<string, unknown>
  /** A forced tool name (tool_choice). */
  forcedTool?: string
  thinking?: boolean
}

export const USAGE = { input: 21, output: 9, cacheRead: 4, cacheWrite: 3 }

/** A sample value matching a (simple) JSON schema. */
export function sampleFor(schema: Record<string, unknown> | undefined): unknown {
  const type = Array.isArray(schema?.type) ? schema?.type[0] : schema?.type
  if (schema?.enum && Array.isArray(schema.enum)) return schema.enum[0]
  switch (type) {
    case 'string':
      return 'Paris'
    case 'number':
      return 0.5
    case 'integer':
      return 18
    case 'boolean':
      return true
    case 'array':
      return [sampleFor(schema?.items as Record<string, unknown>)]
    default: {
      const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleFor(v)]))
    }
  }
}

export function decide(a: Asked): Decision {
  if (a.forcedTool) {
    const t = a.tools.find((x) => x.name === a.forcedTool)
    return {
      kind: 'tool',
      id: 'toolu_fake_1',
      name: a.forcedTool,
      args: sampleFor(t?.schema) as Record<string, unknown>,
    }
  }
  if (a.schema) return { kind: 'json', value: sampleFor(a.schema) as Record<string, unknown> }
  if (a.tools.length && !a.afterToolResult) {
    const t = a.tools[0]!
    return {
      kind: 'tool',
      id: 'toolu_fake_1',
      name: t.name,
      args: sampleFor(t.schema) as Record<string, unknown>,
    }
  }
  if (a.afterToolResult) return { kind: 'text', text: 'It is 18C in Paris.' }
  return { kind: 'text', text: 'Hello, world!', ...(a.thinking ? { reasoning: 'Greeting the user.' } : {}) }
}

/** Splits text into stream pieces. */
export function pieces(text: string): string[] {
  return text.match(/.{1,6}/gs) ?? ['']
}
