import { describe, expect, it } from 'vitest'
import {
  collect,
  loadChunks,
  loadJson,
  sseText,
  streamBody,
} from '../../../test/providers/fixture-helpers.js'
import { upstreamError } from '../http/upstream-error.js'
import type { ChatCompletionRequest } from '../translate/openai-chat.js'
import { TranslateContext } from '../translate/translate-context.js'
import { convertGeminiResponse } from './convert-gemini-response.js'
import { convertToGeminiRequest } from './convert-to-gemini-request.js'
import { geminiResponseSchema } from './gemini-api.js'
import { geminiUrl } from './gemini-provider.js'
import { geminiStreamToChunks } from './gemini-stream.js'

const req: ChatCompletionRequest = {
  model: 'x',
  messages: [
    { role: 'system', content: 'Be brief.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather?' },
        { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
      ],
    },
    {
      role: 'assistant',
      content: '',
      reasoning_signature: 'sigX',
      tool_calls: [
        {
          id: 'call_a',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
        },
      ],
    },
    { role: 'tool', tool_call_id: 'call_a', content: '{"temp":18}' },
    { role: 'tool', tool_call_id: 'call_a', content: 'plain text' },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: { type: 'object', properties: { location: { type: 'string' } } },
      },
    },
  ],
  tool_choice: { type: 'function', function: { name: 'get_weather' } },
  response_format: { type: 'json_schema', json_schema: { name: 'o', schema: { type: 'object' } } },
  stop: ['X'],
  max_tokens: 100,
  temperature: 0.3,
  top_k: 40,
  reasoning_effort: 'low',
  logit_bias: { '1': 1 },
}

describe('Chat → Gemini request', () => {
  it('maps roles, images, tool calls/results by name, tool_choice, JSON schema and generation config', () => {
    const ctx = new TranslateContext('lenient', 'gemini')
    expect(convertToGeminiRequest(req, ctx)).toMatchInlineSnapshot(`
      {
        "contents": [
          {
            "parts": [
              {
                "text": "Weather?",
              },
              {
                "inlineData": {
                  "data": "/9j/4AAQ",
                  "mimeType": "image/jpeg",
                },
              },
            ],
            "role": "user",
          },
          {
            "parts": [
              {
                "functionCall": {
                  "args": {
                    "location": "Paris",
                  },
                  "id": "call_a",
                  "name": "get_weather",
                },
                "thoughtSignature": "sigX",
              },
            ],
            "role": "model",
          },
          {
            "parts": [
              {
                "functionResponse": {
                  "id": "call_a",
                  "name": "get_weather",
                  "response": {
                    "temp": 18,
                  },
                },
              },
              {
                "functionResponse": {
                  "id": "call_a",
                  "name": "get_weather",
                  "response": {
                    "content": "plain text",
                  },
                },
              },
            ],
            "role": "user",
          },
        ],
        "generationConfig": {
          "maxOutputTokens": 100,
          "responseJsonSchema": {
            "type": "object",
          },
          "responseMimeType": "application/json",
          "stopSequences": [
            "X",
          ],
          "temperature": 0.3,
          "thinkingConfig": {
            "includeThoughts": true,
            "thinkingBudget": 1024,
          },
          "topK": 40,
        },
        "systemInstruction": {
          "parts": [
            {
              "text": "Be brief.",
            },
          ],
        },
        "toolConfig": {
          "functionCallingConfig": {
            "allowedFunctionNames": [
              "get_weather",
            ],
            "mode": "ANY",
          },
        },
        "tools": [
          {
            "functionDeclarations": [
              {
                "name": "get_weather",
                "parametersJsonSchema": {
                  "properties": {
                    "location": {
                      "type": "string",
                    },
                  },
                  "type": "object",
                },
              },
            ],
          },
        ],
      }
    `)
    expect(ctx.warnings).toEqual(['logit_bias: not supported by gemini; dropped'])
  })
  it('drops function ids for Vertex', () => {
    const out = convertToGeminiRequest(req, new TranslateContext(), { dropFunctionIds: true })
    expect(JSON.stringify(out)).not.toContain('call_a')
  })
  it('rejects a tool result that answers no call', () => {
    expect(() =>
      convertToGeminiRequest(
        { model: 'x', messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] },
        new TranslateContext(),
      ),
    ).toThrowError(/does not match/)
  })
  it('builds URLs from the origin or a versioned base', () => {
    expect(
      geminiUrl('https://generativelanguage.googleapis.com', 'gemini-2.5-flash', 'generateContent'),
    ).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent')
    expect(geminiUrl('http://127.0.0.1:9/v1', 'models/m', 'embedContent')).toBe(
      'http://127.0.0.1:9/v1/models/m:embedContent',
    )
  })
})

describe('Gemini response → Chat', () => {
  it('maps text and usage (thoughts added to completion, cached tokens kept)', () => {
    const res = geminiResponseSchema.parse(loadJson('gemini', 'gemini-text'))
    expect(convertGeminiResponse(res, 'm', 1, 'fallback')).toMatchInlineSnapshot(`
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
        "created": 1,
        "id": "mNZ3aNmVLqmI1dkP6tLQwQ4",
        "model": "gemini-2.5-flash",
        "object": "chat.completion",
        "usage": {
          "completion_tokens": 39,
          "completion_tokens_details": {
            "reasoning_tokens": 30,
          },
          "prompt_tokens": 2100,
          "prompt_tokens_details": {
            "cached_tokens": 2000,
          },
          "total_tokens": 2139,
        },
      }
    `)
  })
  it('maps thought + function calls with deterministic ids', () => {
    const res = geminiResponseSchema.parse(loadJson('gemini', 'gemini-tool-call'))
    const a = convertGeminiResponse(res, 'm', 1, 'f')
    const b = convertGeminiResponse(res, 'm', 1, 'f')
    expect(a.choices[0]?.message).toMatchInlineSnapshot(`
      {
        "content": null,
        "reasoning_content": "Thinking about the weather",
        "reasoning_signature": "CiQB0e2Kb6vRxk",
        "refusal": null,
        "role": "assistant",
        "tool_calls": [
          {
            "function": {
              "arguments": "{"location":"Paris"}",
              "name": "get_weather",
            },
            "id": "call_ZzERf-Jn-0roZIVZ7Hx4w3rt",
            "type": "function",
          },
          {
            "function": {
              "arguments": "{}",
              "name": "get_time",
            },
            "id": "call_nw3rmj1yGkgH-txrbvsfkUzS",
            "type": "function",
          },
        ],
      }
    `)
    expect(a.choices[0]?.finish_reason).toBe('tool_calls')
    expect(a.choices[0]?.message.tool_calls?.[1]?.id).toBe(b.choices[0]?.message.tool_calls?.[1]?.id)
  })
  it('a blocked prompt becomes content_filter', () => {
    const res = geminiResponseSchema.parse(loadJson('gemini', 'gemini-blocked'))
    expect(convertGeminiResponse(res, 'm', 1, 'f').choices[0]?.finish_reason).toBe('content_filter')
  })
})

describe('Gemini stream → Chat chunks', () => {
  it('maps text chunks, finish and usage', async () => {
    const chunks = await collect(
      geminiStreamToChunks(streamBody(sseText(loadChunks('gemini', 'gemini-text'))), 'm', 1, 'f'),
    )
    expect(
      chunks.map((c) => [c.choices[0]?.delta ?? null, c.choices[0]?.finish_reason ?? null, c.usage ?? null]),
    ).toMatchInlineSnapshot(`
        [
          [
            {
              "content": "Hel",
              "role": "assistant",
            },
            null,
            null,
          ],
          [
            {
              "content": "lo",
            },
            null,
            null,
          ],
          [
            {
              "content": "!",
            },
            null,
            null,
          ],
          [
            {},
            "stop",
            null,
          ],
          [
            null,
            null,
            {
              "completion_tokens": 3,
              "prompt_tokens": 5,
              "total_tokens": 8,
            },
          ],
        ]
      `)
  })
  it('maps whole function calls to indexed tool-call deltas', async () => {
    const chunks = await collect(
      geminiStreamToChunks(streamBody(sseText(loadChunks('gemini', 'gemini-tool-call'))), 'm', 1, 'f'),
    )
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
    expect(calls.map((c) => [c.index, c.function?.name, c.function?.arguments])).toEqual([
      [0, 'get_weather', '{"location":"Paris"}'],
      [1, 'get_time', '{}'],
    ])
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls')
    expect(chunks.at(-1)?.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 7 })
  })
  it('mid-stream error chunk and a stream without finishReason fail with typed errors', async () => {
    const first = loadChunks('gemini', 'gemini-text')[0]
    const err = { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }
    await expect(
      collect(geminiStreamToChunks(streamBody(sseText([first, err])), 'm', 1, 'f')),
    ).rejects.toMatchObject({
      status: 503,
    })
    await expect(
      collect(geminiStreamToChunks(streamBody(sseText([first])), 'm', 1, 'f')),
    ).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(/without a finishReason/),
    })
  })
})

describe('Gemini errors', () => {
  it('429 RESOURCE_EXHAUSTED keeps RetryInfo as retry-after', () => {
    const e = upstreamError({
      provider: 'gemini',
      credential: 'g',
      status: 429,
      body: JSON.stringify(loadJson('gemini', 'gemini-error-429')),
      headers: new Headers(),
    })
    expect([e.status, e.headers['retry-after']]).toEqual([429, '27'])
  })
  it('400 API_KEY_INVALID becomes 401 naming the credential, not the key', () => {
    const e = upstreamError({
      provider: 'gemini',
      credential: 'google-prod',
      status: 400,
      body: JSON.stringify(loadJson('gemini', 'gemini-error-400-key')),
      headers: new Headers(),
      secrets: ['AIzaSyFakeKey1234567890'],
    })
    expect(e.status).toBe(401)
    expect(e.message).toContain('(credential google-prod)')
    expect(e.message).not.toContain('AIza')
  })
})
