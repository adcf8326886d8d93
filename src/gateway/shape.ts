/**
 * Shape extraction: what a request or response looked like — counts, sizes, roles, tool
 * names, parameter names, schema hash — never text or argument values. Used for metering and
 * audit (DESIGN.md "shape, not content"); reusable by other areas.
 * @module
 */
import { createHash } from 'node:crypto'
import type { ContentShape } from './spec/v1/index.js'

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Body fields that are content or plumbing, not parameters worth naming. */
const NOT_PARAMS = new Set(['model', 'messages', 'input', 'tools', 'stream', 'instructions', 'prompt'])

function bump(rec: Record<string, number>, key: string, n = 1): void {
  rec[key] = (rec[key] ?? 0) + n
}

function paramNames(body: Obj): string[] {
  return Object.keys(body)
    .filter((k) => !NOT_PARAMS.has(k))
    .sort()
}

function toolNames(tools: unknown): string[] | undefined {
  if (!Array.isArray(tools)) return undefined
  const names: string[] = []
  for (const t of tools) {
    if (!isObj(t)) continue
    const fn = isObj(t.function) ? t.function : t
    if (typeof fn.name === 'string') names.push(fn.name)
    else if (typeof t.type === 'string') names.push(t.type)
  }
  return names
}

function schemaShape(format: unknown): { schemaHash?: string; schemaKeys?: string[] } {
  if (!isObj(format)) return {}
  const js = isObj(format.json_schema) ? format.json_schema : format
  const schema = isObj(js.schema) ? js.schema : undefined
  if (!schema) return {}
  return {
    schemaHash: createHash('sha256').update(JSON.stringify(schema)).digest('hex'),
    schemaKeys: isObj(schema.properties) ? Object.keys(schema.properties).sort() : [],
  }
}

/** Counts parts and characters of one message's content (string or array of parts). */
function contentShape(content: unknown, parts: Record<string, number>): number {
  if (typeof content === 'string') {
    bump(parts, 'text')
    return content.length
  }
  let chars = 0
  if (Array.isArray(content)) {
    for (const p of content) {
      if (!isObj(p)) continue
      const type = typeof p.type === 'string' ? p.type : 'unknown'
      const kind =
        type === 'image_url' || type === 'input_image' ? 'image' : type.replace(/^input_|^output_/, '')
      bump(parts, kind)
      if (typeof p.text === 'string') chars += p.text.length
    }
  }
  return chars
}

/** Shape of an OpenAI Chat Completions request body. */
export function chatRequestShape(body: Obj, bytes?: number): ContentShape {
  const roles: Record<string, number> = {}
  const parts: Record<string, number> = {}
  let chars = 0
  let toolCalls = 0
  const messages = Array.isArray(body.messages) ? body.messages : []
  for (const m of messages) {
    if (!isObj(m)) continue
    bump(roles, typeof m.role === 'string' ? m.role : 'unknown')
    chars += contentShape(m.content, parts)
    if (Array.isArray(m.tool_calls)) toolCalls += m.tool_calls.length
  }
  const shape: ContentShape = { messages: messages.length, roles, parts, chars, params: paramNames(body) }
  if (bytes !== undefined) shape.bytes = bytes
  const tools = toolNames(body.tools)
  if (tools) shape.tools = tools
  if (toolCalls) shape.toolCalls = toolCalls
  Object.assign(shape, schemaShape(body.response_format))
  return shape
}

/** Shape of a Chat Completions response body. */
export function chatResponseShape(json: unknown, bytes?: number): ContentShape {
  const shape: ContentShape = {}
  if (bytes !== undefined) shape.bytes = bytes
  if (!isObj(json) || !Array.isArray(json.choices)) return shape
  const parts: Record<string, number> = {}
  const tools: string[] = []
  let chars = 0
  let toolCalls = 0
  for (const c of json.choices) {
    if (!isObj(c)) continue
    if (typeof c.finish_reason === 'string') shape.finishReason = c.finish_reason
    const m = isObj(c.message) ? c.message : undefined
    if (!m) continue
    chars += contentShape(m.content, parts)
    if (Array.isArray(m.tool_calls)) {
      for (const tc of m.tool_calls) {
        toolCalls++
        if (isObj(tc) && isObj(tc.function) && typeof tc.function.name === 'string')
          tools.push(tc.function.name)
      }
    }
  }
  shape.messages = json.choices.length
  shape.parts = parts
  shape.chars = chars
  if (toolCalls) {
    shape.toolCalls = toolCalls
    shape.tools = tools
  }
  return shape
}

/**
 * Accumulates the shape of a streamed Chat Completions answer from its chunks (deltas):
 * characters, tool calls (counted by their first delta), finish reason.
 */
export class ChatStreamShape {
  /**
   * Only when the org opted in to content storage: the streamed text and tool calls,
   * reassembled for the sealed content store. Never used for metering or audit.
   */
  readonly captured: {
    content: string[]
    toolCalls: Record<number, { name?: string; arguments: string[] }>
  } | null

  constructor(capture = false) {
    this.captured = capture ? { content: [], toolCalls: {} } : null
  }

  chars = 0
  bytes = 0
  toolCalls = 0
  tools: string[] = []
  finishReason: string | undefined
  choices = new Set<number>()

  add(chunk: Obj, bytes: number): void {
    this.bytes += bytes
    if (!Array.isArray(chunk.choices)) return
    for (const c of chunk.choices) {
      if (!isObj(c)) continue
      if (typeof c.index === 'number') this.choices.add(c.index)
      if (typeof c.finish_reason === 'string') this.finishReason = c.finish_reason
      const d = isObj(c.delta) ? c.delta : undefined
      if (!d) continue
      if (typeof d.content === 'string') {
        this.chars += d.content.length
        this.captured?.content.push(d.content)
      }
      if (Array.isArray(d.tool_calls)) {
        for (const tc of d.tool_calls) {
          if (this.captured && isObj(tc)) captureToolDelta(this.captured.toolCalls, tc)
          if (!isObj(tc) || typeof tc.id !== 'string') continue
          this.toolCalls++
          if (isObj(tc.function) && typeof tc.function.name === 'string') this.tools.push(tc.function.name)
        }
      }
    }
  }

  shape(): ContentShape {
    const s: ContentShape = { messages: this.choices.size || 1, chars: this.chars, bytes: this.bytes }
    if (this.finishReason) s.finishReason = this.finishReason
    if (this.toolCalls) {
      s.toolCalls = this.toolCalls
      s.tools = this.tools
    }
    return s
  }
}

function captureToolDelta(calls: Record<number, { name?: string; arguments: string[] }>, tc: Obj): void {
  const i = typeof tc.index === 'number' ? tc.index : 0
  const entry = calls[i] ?? { arguments: [] }
  calls[i] = entry
  const fn = isObj(tc.function) ? tc.function : undefined
  if (fn && typeof fn.name === 'string') entry.name = fn.name
  if (fn && typeof fn.arguments === 'string') entry.arguments.push(fn.arguments)
}

/** Shape of an embeddings request: number of inputs and characters. */
export function embeddingsRequestShape(body: Obj, bytes?: number): ContentShape {
  const input = body.input
  const list = Array.isArray(input) ? input : [input]
  let chars = 0
  for (const i of list) if (typeof i === 'string') chars += i.length
  const shape: ContentShape = { inputs: list.length, chars, params: paramNames(body) }
  if (bytes !== undefined) shape.bytes = bytes
  return shape
}

/** Shape of an embeddings response: vector count and dimension (base64 vectors: float32). */
export function embeddingsResponseShape(json: unknown, bytes?: number): ContentShape {
  const shape: ContentShape = {}
  if (bytes !== undefined) shape.bytes = bytes
  if (!isObj(json) || !Array.isArray(json.data)) return shape
  shape.inputs = json.data.length
  const first = json.data[0]
  if (isObj(first)) {
    if (Array.isArray(first.embedding)) shape.dimensions = first.embedding.length
    else if (typeof first.embedding === 'string') {
      shape.dimensions = Math.floor((Buffer.byteLength(first.embedding, 'base64') * 1) / 4)
    }
  }
  return shape
}

/** Shape of a Responses API request (`input` string or item list). */
export function responsesRequestShape(body: Obj, bytes?: number): ContentShape {
  const roles: Record<string, number> = {}
  const parts: Record<string, number> = {}
  let chars = 0
  let messages = 0
  if (typeof body.input === 'string') {
    messages = 1
    bump(roles, 'user')
    chars += body.input.length
  } else if (Array.isArray(body.input)) {
    for (const item of body.input) {
      if (!isObj(item)) continue
      messages++
      bump(
        roles,
        typeof item.role === 'string' ? item.role : typeof item.type === 'string' ? item.type : 'unknown',
      )
      chars += contentShape(item.content, parts)
    }
  }
  if (typeof body.instructions === 'string') {
    bump(roles, 'system')
    chars += body.instructions.length
  }
  const shape: ContentShape = { messages, roles, parts, chars, params: paramNames(body) }
  if (bytes !== undefined) shape.bytes = bytes
  const tools = toolNames(body.tools)
  if (tools) shape.tools = tools
  const text = isObj(body.text) ? body.text : undefined
  if (text) Object.assign(shape, schemaShape(text.format))
  return shape
}

/** Shape of a Responses API response object. */
export function responsesResponseShape(json: unknown, bytes?: number): ContentShape {
  const shape: ContentShape = {}
  if (bytes !== undefined) shape.bytes = bytes
  if (!isObj(json)) return shape
  if (typeof json.status === 'string') shape.finishReason = json.status
  if (!Array.isArray(json.output)) return shape
  const parts: Record<string, number> = {}
  const tools: string[] = []
  let chars = 0
  for (const item of json.output) {
    if (!isObj(item)) continue
    if (item.type === 'function_call' && typeof item.name === 'string') tools.push(item.name)
    chars += contentShape(item.content, parts)
  }
  shape.messages = json.output.length
  shape.parts = parts
  shape.chars = chars
  if (tools.length) {
    shape.toolCalls = tools.length
    shape.tools = tools
  }
  return shape
}
