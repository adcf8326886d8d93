/**
 * Fake Anthropic Messages API (exact JSON, named-event SSE, error bodies, count_tokens).
 * Behaviour switches on the model id: `*-overloaded` → 529, `*-limited` → 429 + retry-after,
 * `*-garbage` → 200 with a non-JSON body, `*-cut` → stream reset mid-way, `*-midstream-error`
 * → `event: error` after the 200.
 */
import type http from 'node:http'
import { sendJson, startSse, writeAll } from './fake-http.js'
import { type Asked, type Decision, decide, pieces, USAGE } from './fake-model.js'

type Obj = Record<string, any>

export function anthropicAsked(body: Obj): Asked {
  const msgs = (body.messages ?? []) as Obj[]
  const last = msgs.at(-1)
  const afterToolResult =
    last?.role === 'user' &&
    Array.isArray(last.content) &&
    last.content.some((b: Obj) => b.type === 'tool_result')
  return {
    tools: ((body.tools ?? []) as Obj[]).map((t) => ({ name: t.name, schema: t.input_schema })),
    afterToolResult,
    schema: body.output_config?.format?.schema,
    forcedTool: body.tool_choice?.type === 'tool' ? body.tool_choice.name : undefined,
    thinking: body.thinking?.type === 'enabled',
  }
}

function blocks(d: Decision): Obj[] {
  if (d.kind === 'tool') return [{ type: 'tool_use', id: d.id, name: d.name, input: d.args }]
  if (d.kind === 'json') return [{ type: 'text', text: JSON.stringify(d.value) }]
  return [
    ...(d.reasoning ? [{ type: 'thinking', thinking: d.reasoning, signature: 'sig_fake_123' }] : []),
    { type: 'text', text: d.text },
  ]
}

const usage = {
  input_tokens: USAGE.input,
  output_tokens: USAGE.output,
  cache_read_input_tokens: USAGE.cacheRead,
  cache_creation_input_tokens: USAGE.cacheWrite,
}

export function anthropicMessage(body: Obj, model: string): Obj {
  const d = decide(anthropicAsked(body))
  return {
    id: 'msg_fake_01',
    type: 'message',
    role: 'assistant',
    model,
    content: blocks(d),
    stop_reason: d.kind === 'tool' ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage,
  }
}

export function anthropicEvents(body: Obj, model: string): Obj[] {
  const d = decide(anthropicAsked(body))
  const ev: Obj[] = [
    {
      type: 'message_start',
      message: {
        id: 'msg_fake_01',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    },
    { type: 'ping' },
  ]
  for (const [index, b] of blocks(d).entries()) {
    if (b.type === 'tool_use') {
      ev.push({ type: 'content_block_start', index, content_block: { ...b, input: {} } })
      const json = JSON.stringify(b.input)
      for (const p of [json.slice(0, 5), json.slice(5)])
        ev.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } })
    } else if (b.type === 'thinking') {
      ev.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '' } })
      ev.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: b.thinking } })
      ev.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'signature_delta', signature: b.signature },
      })
    } else {
      ev.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
      for (const p of pieces(b.text))
        ev.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } })
    }
    ev.push({ type: 'content_block_stop', index })
  }
  ev.push({
    type: 'message_delta',
    delta: { stop_reason: d.kind === 'tool' ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: USAGE.output },
  })
  ev.push({ type: 'message_stop' })
  return ev
}

export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
) {
  return {
    status,
    body: { type: 'error', error: { type, message }, request_id: 'req_fake' },
    headers: { 'request-id': 'req_fake', ...headers },
  }
}

/** Serves an Anthropic-format answer for `body` (model = upstream id). */
export async function serveAnthropic(
  res: http.ServerResponse,
  body: Obj,
  model: string,
  stream: boolean,
): Promise<void> {
  if (model.endsWith('-overloaded')) {
    const e = anthropicError(529, 'overloaded_error', 'Overloaded')
    return sendJson(res, e.status, e.body, e.headers)
  }
  if (model.endsWith('-limited')) {
    const e = anthropicError(
      429,
      'rate_limit_error',
      'Number of request tokens has exceeded your per-minute rate limit',
      { 'retry-after': '7' },
    )
    return sendJson(res, e.status, e.body, e.headers)
  }
  if (model.endsWith('-long')) {
    const e = anthropicError(
      400,
      'invalid_request_error',
      'prompt is too long: 215000 tokens > 200000 maximum',
    )
    return sendJson(res, e.status, e.body, e.headers)
  }
  if (model.endsWith('-garbage')) return sendJson(res, 200, '{"id": "msg_x", "content": [trunc')
  if (!stream) return sendJson(res, 200, anthropicMessage(body, model), { 'request-id': 'req_fake' })
  startSse(res)
  const events = anthropicEvents(body, model)
  if (model.endsWith('-midstream-error')) {
    events.splice(4, events.length, {
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    })
  }
  const frames = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
  await writeAll(res, frames, model.endsWith('-cut') ? 4 : undefined)
}
