import { describe, expect, it } from 'vitest'
import {
  brokenBody,
  collect,
  loadChunks,
  loadJson,
  sseText,
  streamBody,
} from '../../../test/providers/fixture-helpers.js'
import type { ChatCompletionRequest } from '../translate/openai-chat.js'
import { TranslateContext } from '../translate/translate-context.js'
import { type AnthropicMessage, anthropicMessageSchema } from './anthropic-api.js'
import { AnthropicEventWriter } from './anthropic-event-writer.js'
import { AnthropicStreamMapper, anthropicStreamToChunks } from './anthropic-stream.js'
import { convertAnthropicResponse } from './convert-anthropic-response.js'
import { anthropicInboundSchema, convertFromAnthropicRequest } from './convert-from-anthropic-request.js'
import { convertToAnthropicMessage } from './convert-to-anthropic-message.js'
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js'

const toolReq: ChatCompletionRequest = {
  model: 'x',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'developer', content: 'Use tools.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather here?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      reasoning_content: 'need weather',
      reasoning_signature: 'sig1',
      tool_calls: [
        {
          id: 'call_1',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
        },
        { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '18C' },
    { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
    { role: 'user', content: 'Thanks' },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather',
        parameters: { type: 'object', properties: {} },
      },
    },
    { type: 'function', function: { name: 'get_time' } },
  ],
  tool_choice: 'required',
  parallel_tool_calls: false,
  stop: 'END',
  temperature: 1.5,
  top_p: 0.9,
  seed: 3,
  max_completion_tokens: 500,
}

describe('Chat → Anthropic request', () => {
  it('maps system, images, tool calls/results, tool_choice, stops and sampling', () => {
    const ctx = new TranslateContext('lenient', 'anthropic')
    expect(convertToAnthropicRequest(toolReq, 'claude-sonnet-4-5', ctx)).toMatchInlineSnapshot(`
      {
        "max_tokens": 500,
        "messages": [
          {
            "content": [
              {
                "text": "Weather here?",
                "type": "text",
              },
              {
                "source": {
                  "data": "iVBORw0KGgo=",
                  "media_type": "image/png",
                  "type": "base64",
                },
                "type": "image",
              },
              {
                "source": {
                  "type": "url",
                  "url": "https://example.com/a.jpg",
                },
                "type": "image",
              },
            ],
            "role": "user",
          },
          {
            "content": [
              {
                "signature": "sig1",
                "thinking": "need weather",
                "type": "thinking",
              },
              {
                "id": "call_1",
                "input": {
                  "location": "Paris",
                },
                "name": "get_weather",
                "type": "tool_use",
              },
              {
                "id": "call_2",
                "input": {},
                "name": "get_time",
                "type": "tool_use",
              },
            ],
            "role": "assistant",
          },
          {
            "content": [
              {
                "content": "18C",
                "tool_use_id": "call_1",
                "type": "tool_result",
              },
              {
                "content": "12:00",
                "tool_use_id": "call_2",
                "type": "tool_result",
              },
              {
                "text": "Thanks",
                "type": "text",
              },
            ],
            "role": "user",
          },
        ],
        "model": "claude-sonnet-4-5",
        "stop_sequences": [
          "END",
        ],
        "system": [
          {
            "text": "Be brief.",
            "type": "text",
          },
          {
            "text": "Use tools.",
            "type": "text",
          },
        ],
        "temperature": 1,
        "tool_choice": {
          "disable_parallel_tool_use": true,
          "type": "any",
        },
        "tools": [
          {
            "description": "Weather",
            "input_schema": {
              "properties": {},
              "type": "object",
            },
            "name": "get_weather",
          },
          {
            "input_schema": {
              "properties": {},
              "type": "object",
            },
            "name": "get_time",
          },
        ],
        "top_p": 0.9,
      }
    `)
    expect(ctx.warnings).toMatchInlineSnapshot(`
      [
        "temperature 1.5 clamped to 1 (Anthropic range 0–1)",
        "seed: not supported by anthropic; dropped",
      ]
    `)
  })

  it('rejects unsupported params in strict mode with a 400 naming the param', () => {
    const ctx = new TranslateContext('strict', 'anthropic')
    expect(() => convertToAnthropicRequest(toolReq, 'm', ctx)).toThrowError(
      /'seed' not supported by anthropic/,
    )
  })

  it('json_schema → native output_config; json_object → forced tool', () => {
    const ctx = new TranslateContext()
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }
    const native = convertToAnthropicRequest(
      {
        model: 'x',
        messages: [{ role: 'user', content: 'hi' }],
        response_format: { type: 'json_schema', json_schema: { name: 'out', schema } },
      },
      'm',
      ctx,
    )
    expect(native.output_config).toEqual({ format: { type: 'json_schema', schema } })
    const forced = convertToAnthropicRequest(
      { model: 'x', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } },
      'm',
      ctx,
    )
    expect(forced.tool_choice).toEqual({ type: 'tool', name: 'latchkey_json_response' })
    expect(forced.tools?.[0]?.input_schema).toEqual({ type: 'object' })
  })

  it('reasoning_effort → thinking budget below max_tokens', () => {
    const out = convertToAnthropicRequest(
      { model: 'x', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'high', max_tokens: 1000 },
      'm',
      new TranslateContext(),
    )
    expect(out.thinking).toEqual({ type: 'enabled', budget_tokens: 16384 })
    expect(out.max_tokens).toBeGreaterThan(16384)
  })
})

describe('Anthropic response → Chat', () => {
  it('maps text and usage with cache read/write', () => {
    const msg = anthropicMessageSchema.parse(loadJson('anthropic', 'anthropic-text'))
    expect(convertAnthropicResponse(msg, 1700000000)).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "finish_reason": "stop",
            "index": 0,
            "logprobs": null,
            "message": {
              "content": "Hello! How can I help?",
              "refusal": null,
              "role": "assistant",
            },
          },
        ],
        "created": 1700000000,
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "model": "claude-sonnet-4-5",
        "object": "chat.completion",
        "usage": {
          "completion_tokens": 9,
          "prompt_tokens": 2112,
          "prompt_tokens_details": {
            "cache_write_tokens": 100,
            "cached_tokens": 2000,
          },
          "total_tokens": 2121,
        },
      }
    `)
  })
  it('maps thinking + tool_use', () => {
    const msg = anthropicMessageSchema.parse(loadJson('anthropic', 'anthropic-tool-use'))
    const out = convertAnthropicResponse(msg, 1)
    expect(out.choices[0]?.finish_reason).toBe('tool_calls')
    expect(out.choices[0]?.message).toMatchInlineSnapshot(`
      {
        "content": "I'll check the weather.",
        "reasoning_content": "The user wants weather.",
        "reasoning_signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds",
        "refusal": null,
        "role": "assistant",
        "tool_calls": [
          {
            "function": {
              "arguments": "{"location":"Paris","unit":"celsius"}",
              "name": "get_weather",
            },
            "id": "toolu_01A09q90qw90lq917835lq9",
            "type": "function",
          },
        ],
      }
    `)
    expect(out.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 20 })
  })
  it('turns the forced JSON tool back into text with finish stop', () => {
    const msg: AnthropicMessage = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'tool_use', id: 't', name: 'latchkey_json_response', input: { a: 'b' } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 1, output_tokens: 2 },
    }
    const out = convertAnthropicResponse(msg, 1)
    expect(out.choices[0]?.message.content).toBe('{"a":"b"}')
    expect(out.choices[0]?.finish_reason).toBe('stop')
  })
})

describe('Anthropic stream → Chat chunks', () => {
  it('maps text, tool-call argument deltas, finish and cumulative usage', async () => {
    const body = streamBody(sseText(loadChunks('anthropic', 'anthropic-tool-use'), { named: true }))
    const chunks = await collect(anthropicStreamToChunks(body, 'claude', 1))
    expect(
      chunks.map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason ?? null, c.usage ?? null]),
    ).toMatchInlineSnapshot(`
        [
          [
            {
              "content": "",
              "role": "assistant",
            },
            null,
            null,
          ],
          [
            {
              "content": "Okay, let's check",
            },
            null,
            null,
          ],
          [
            {
              "content": " the weather:",
            },
            null,
            null,
          ],
          [
            {
              "tool_calls": [
                {
                  "function": {
                    "arguments": "",
                    "name": "get_weather",
                  },
                  "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
                  "index": 0,
                  "type": "function",
                },
              ],
            },
            null,
            null,
          ],
          [
            {
              "tool_calls": [
                {
                  "function": {
                    "arguments": "{"location":",
                  },
                  "index": 0,
                },
              ],
            },
            null,
            null,
          ],
          [
            {
              "tool_calls": [
                {
                  "function": {
                    "arguments": " "San Francisco, CA"}",
                  },
                  "index": 0,
                },
              ],
            },
            null,
            null,
          ],
          [
            {},
            "tool_calls",
            null,
          ],
          [
            undefined,
            null,
            {
              "completion_tokens": 89,
              "prompt_tokens": 472,
              "total_tokens": 561,
            },
          ],
        ]
      `)
  })
  it('maps thinking and signature deltas', async () => {
    const mapper = new AnthropicStreamMapper('m', 1)
    const out = loadChunks('anthropic', 'anthropic-thinking').flatMap((e) => mapper.push(e as never))
    expect(out.map((c) => c.choices[0]?.delta).filter(Boolean)).toMatchInlineSnapshot(`
      [
        {
          "content": "",
          "role": "assistant",
        },
        {
          "reasoning_content": "Let me think.",
        },
        {
          "reasoning_signature": "EqQBCgIYAhIM",
        },
        {
          "content": "42",
        },
        {},
      ]
    `)
    expect(out.at(-1)?.usage).toEqual({
      prompt_tokens: 15,
      completion_tokens: 30,
      total_tokens: 45,
      prompt_tokens_details: { cached_tokens: 5 },
    })
  })
  it('mid-stream overloaded error → retryable 503', async () => {
    const body = streamBody(sseText(loadChunks('anthropic', 'anthropic-overloaded'), { named: true }))
    await expect(collect(anthropicStreamToChunks(body, 'm', 1))).rejects.toMatchObject({
      status: 503,
      type: 'overloaded_error',
    })
  })
  it('truncated stream, reset connection and malformed JSON → 502, never a hang', async () => {
    const events = loadChunks('anthropic', 'anthropic-thinking').slice(0, 4)
    await expect(collect(anthropicStreamToChunks(streamBody(sseText(events)), 'm', 1))).rejects.toMatchObject(
      {
        status: 502,
        message: expect.stringMatching(/before message_stop/),
      },
    )
    await expect(collect(anthropicStreamToChunks(brokenBody(sseText(events)), 'm', 1))).rejects.toMatchObject(
      {
        status: 502,
        message: expect.stringMatching(/connection lost/),
      },
    )
    await expect(
      collect(anthropicStreamToChunks(streamBody('data: {nope\n\n'), 'm', 1)),
    ).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(/malformed JSON/),
    })
  })
})

describe('/v1/messages inbound translation', () => {
  const inbound = anthropicInboundSchema.parse({
    model: 'groq/llama',
    max_tokens: 256,
    system: [{ type: 'text', text: 'Be brief.' }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18C' }] },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ],
    tools: [{ name: 'get_weather', description: 'w', input_schema: { type: 'object', properties: {} } }],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    stop_sequences: ['END'],
    temperature: 0.2,
    thinking: { type: 'enabled', budget_tokens: 4000 },
    output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
    stream: true,
  })

  it('maps an Anthropic request to Chat', () => {
    expect(convertFromAnthropicRequest(inbound, new TranslateContext())).toMatchInlineSnapshot(`
      {
        "max_tokens": 256,
        "messages": [
          {
            "content": "Be brief.",
            "role": "system",
          },
          {
            "content": [
              {
                "text": "Weather?",
                "type": "text",
              },
              {
                "image_url": {
                  "url": "data:image/png;base64,AAAA",
                },
                "type": "image_url",
              },
            ],
            "role": "user",
          },
          {
            "content": null,
            "reasoning_content": "hmm",
            "reasoning_signature": "s",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location":"Paris"}",
                  "name": "get_weather",
                },
                "id": "toolu_1",
                "type": "function",
              },
            ],
          },
          {
            "content": "18C",
            "role": "tool",
            "tool_call_id": "toolu_1",
          },
          {
            "content": "And tomorrow?",
            "role": "user",
          },
        ],
        "model": "groq/llama",
        "parallel_tool_calls": false,
        "reasoning_effort": "medium",
        "response_format": {
          "json_schema": {
            "name": "output",
            "schema": {
              "type": "object",
            },
          },
          "type": "json_schema",
        },
        "stop": [
          "END",
        ],
        "stream": true,
        "stream_options": {
          "include_usage": true,
        },
        "temperature": 0.2,
        "thinking_budget": 4000,
        "tool_choice": "required",
        "tools": [
          {
            "function": {
              "description": "w",
              "name": "get_weather",
              "parameters": {
                "properties": {},
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
      }
    `)
  })

  it('rejects server tools with a 400', () => {
    const body = anthropicInboundSchema.parse({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
    })
    expect(() => convertFromAnthropicRequest(body, new TranslateContext())).toThrowError(/server tool/)
  })

  it('round-trips: Anthropic request → Chat → Anthropic request keeps the conversation', () => {
    const chat = convertFromAnthropicRequest(inbound, new TranslateContext())
    const back = convertToAnthropicRequest(chat, 'claude', new TranslateContext())
    expect(back.messages.map((m) => [m.role, m.content.map((b) => b.type)])).toEqual([
      ['user', ['text', 'image']],
      ['assistant', ['thinking', 'tool_use']],
      ['user', ['tool_result', 'text']],
    ])
    expect(back.thinking).toEqual({ type: 'enabled', budget_tokens: 4000 })
    expect(back.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true })
  })

  it('Chat response → Anthropic message', () => {
    const msg = anthropicMessageSchema.parse(loadJson('anthropic', 'anthropic-tool-use'))
    expect(
      convertToAnthropicMessage(convertAnthropicResponse(msg, 1), 'anthropic-prod/claude'),
    ).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds",
            "thinking": "The user wants weather.",
            "type": "thinking",
          },
          {
            "text": "I'll check the weather.",
            "type": "text",
          },
          {
            "id": "toolu_01A09q90qw90lq917835lq9",
            "input": {
              "location": "Paris",
              "unit": "celsius",
            },
            "name": "get_weather",
            "type": "tool_use",
          },
        ],
        "id": "msg_01Aq9w938a90dw8q",
        "model": "anthropic-prod/claude",
        "role": "assistant",
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "input_tokens": 472,
          "output_tokens": 91,
        },
      }
    `)
  })

  it('Chat chunks → Anthropic events reproduce the original block sequence', () => {
    const source = loadChunks('anthropic', 'anthropic-tool-use')
    const mapper = new AnthropicStreamMapper('m', 1)
    const chunks = source.flatMap((e) => mapper.push(e as never))
    const writer = new AnthropicEventWriter('cred/m', 'msg_x')
    const events = [...chunks.flatMap((c) => writer.push(c)), ...writer.end()]
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    expect(events.at(-2)?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 472, output_tokens: 89 },
    })
  })
})
