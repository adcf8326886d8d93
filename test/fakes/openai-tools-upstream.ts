/**
 * Fake OpenAI-compatible Chat Completions that actually does tools, JSON output and
 * reasoning, in the flavours of the family: `deepseek-*` models answer with
 * `reasoning_content`, `minimax-*` models put `<think>…</think>` inline in `content`.
 * Streams follow OpenAI exactly: role chunk, deltas (tool calls keyed by index with id+name
 * first), finish chunk, `choices: []` usage chunk when include_usage is set, `[DONE]`.
 */
import type http from 'node:http'
import { sendJson, startSse, writeAll } from './fake-http.js'
import { type Asked, decide, pieces, USAGE } from './fake-model.js'

type Obj = Record<string, any>

export function openaiAsked(body: Obj): Asked {
  const msgs = (body.messages ?? []) as Obj[]
  const rf = body.response_format
  return {
    tools: ((body.tools ?? []) as Obj[]).map((t) => ({
      name: t.function.name,
      schema: t.function.parameters,
    })),
    afterToolResult: msgs.at(-1)?.role === 'tool',
    schema:
      rf?.type === 'json_schema'
        ? rf.json_schema.schema
        : rf?.type === 'json_object'
          ? { type: 'object' }
          : undefined,
    forcedTool: typeof body.tool_choice === 'object' ? body.tool_choice.function?.name : undefined,
    thinking: !!body.reasoning_effort || body.thinking?.type === 'enabled',
  }
}

const usage = {
  prompt_tokens: USAGE.input + USAGE.cacheRead,
  completion_tokens: USAGE.output,
  total_tokens: USAGE.input + USAGE.cacheRead + USAGE.output,
  prompt_tokens_details: { cached_tokens: USAGE.cacheRead },
}

export async function serveOpenAITools(res: http.ServerResponse, body: Obj): Promise<void> {
  const model = String(body.model)
  const d = decide(openaiAsked(body))
  const deepseek = model.startsWith('deepseek')
  const minimax = model.startsWith('minimax')
  const reasoning = d.kind === 'text' && (deepseek || minimax) ? 'Thinking it over.' : undefined
  const text = d.kind === 'json' ? JSON.stringify(d.value) : d.kind === 'text' ? d.text : null
  const content = text !== null && minimax && reasoning ? `<think>${reasoning}</think>\n${text}` : text
  const finish = d.kind === 'tool' ? 'tool_calls' : 'stop'
  const base = { id: 'chatcmpl-fake', created: 1700000000, model }
  if (!body.stream) {
    return sendJson(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content,
            ...(deepseek && reasoning ? { reasoning_content: reasoning } : {}),
            ...(d.kind === 'tool'
              ? {
                  tool_calls: [
                    {
                      id: d.id,
                      type: 'function',
                      function: { name: d.name, arguments: JSON.stringify(d.args) },
                    },
                  ],
                }
              : {}),
          },
          finish_reason: finish,
          logprobs: null,
        },
      ],
      usage,
    })
  }
  startSse(res)
  const chunk = (delta: Obj, finish_reason: string | null = null) => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason, logprobs: null }],
  })
  const out: Obj[] = [chunk({ role: 'assistant', content: '' })]
  if (deepseek && reasoning) out.push(chunk({ reasoning_content: reasoning }))
  if (d.kind === 'tool') {
    out.push(
      chunk({
        tool_calls: [{ index: 0, id: d.id, type: 'function', function: { name: d.name, arguments: '' } }],
      }),
    )
    const args = JSON.stringify(d.args)
    for (const p of [args.slice(0, 3), args.slice(3)])
      out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }))
  } else {
    for (const p of pieces(content ?? '')) out.push(chunk({ content: p }))
  }
  out.push(chunk({}, finish))
  if (body.stream_options?.include_usage)
    out.push({ ...base, object: 'chat.completion.chunk', choices: [], usage })
  await writeAll(res, [...out.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n'])
}
