/**
 * Structured output for targets without a native JSON mode: the forced-tool technique. The
 * request declares one tool whose input schema is the wanted schema and forces the model to
 * call it; the response mapper turns that call back into plain JSON text with finish `stop`,
 * so the caller sees exactly what OpenAI's `response_format` would have produced.
 * @module
 */
import type { ChatCompletionRequest } from './openai-chat.js'

/** Name of the synthetic tool; unlikely to clash with a caller's tool. */
export const JSON_TOOL_NAME = 'latchkey_json_response'

export interface JsonTarget {
  /** The schema the output must follow (json_object → any object). */
  schema: Record<string, unknown>
  name: string
  /** json_schema (has a real schema) or json_object (any object). */
  kind: 'json_schema' | 'json_object'
}

/** The structured-output request of a Chat request, if any. */
export function jsonTarget(req: ChatCompletionRequest): JsonTarget | undefined {
  const rf = req.response_format
  if (!rf || rf.type === 'text') return undefined
  if (rf.type === 'json_object')
    return { schema: { type: 'object' }, name: 'json_object', kind: 'json_object' }
  if (rf.type === 'json_schema') {
    return {
      schema: (rf.json_schema.schema ?? { type: 'object' }) as Record<string, unknown>,
      name: rf.json_schema.name,
      kind: 'json_schema',
    }
  }
  return undefined
}
