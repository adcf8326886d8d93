import { describe, expect, it } from 'vitest'
import {
  brokenBody,
  collect,
  loadChunks,
  loadJson,
  streamBody,
} from '../../../test/providers/fixture-helpers.js'
import { upstreamError } from '../http/upstream-error.js'
import type { ChatCompletionRequest } from '../translate/openai-chat.js'
import { TranslateContext } from '../translate/translate-context.js'
import { bedrockConverseResponseSchema } from './bedrock-api.js'
import { bedrockAuthHeaders } from './bedrock-auth.js'
import { encodeEventFrame } from './bedrock-event-stream.js'
import { bedrockUrl } from './bedrock-provider.js'
import { bedrockStreamToChunks } from './bedrock-stream.js'
import { convertBedrockResponse } from './convert-bedrock-response.js'
import { convertToBedrockRequest } from './convert-to-bedrock-request.js'

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'

function frames(events: { type: string; payload: unknown }[]): Uint8Array {
  const parts = events.map((e) => encodeEventFrame(e.type, e.payload))
  return Buffer.concat(parts)
}

describe('Chat → Converse request', () => {
  it('maps system, images, tools, tool results, JSON schema (string) and inference config', () => {
    const req: ChatCompletionRequest = {
      model: 'x',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
        },
        { role: 'tool', tool_call_id: 't1', content: '{"found":true}' },
        { role: 'tool', tool_call_id: 't1', content: 'plain' },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      tool_choice: 'auto',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
      max_tokens: 300,
      temperature: 0.5,
      top_k: 10,
      stop: ['END'],
    }
    const ctx = new TranslateContext('lenient', 'bedrock')
    expect(convertToBedrockRequest(req, MODEL, ctx)).toMatchInlineSnapshot(`
      {
        "additionalModelRequestFields": {
          "top_k": 10,
        },
        "inferenceConfig": {
          "maxTokens": 300,
          "stopSequences": [
            "END",
          ],
          "temperature": 0.5,
        },
        "messages": [
          {
            "content": [
              {
                "text": "What is this?",
              },
              {
                "image": {
                  "format": "png",
                  "source": {
                    "bytes": "iVBORw0KGgo=",
                  },
                },
              },
            ],
            "role": "user",
          },
          {
            "content": [
              {
                "toolUse": {
                  "input": {
                    "q": "x",
                  },
                  "name": "lookup",
                  "toolUseId": "t1",
                },
              },
            ],
            "role": "assistant",
          },
          {
            "content": [
              {
                "toolResult": {
                  "content": [
                    {
                      "json": {
                        "found": true,
                      },
                    },
                  ],
                  "toolUseId": "t1",
                },
              },
              {
                "toolResult": {
                  "content": [
                    {
                      "text": "plain",
                    },
                  ],
                  "toolUseId": "t1",
                },
              },
            ],
            "role": "user",
          },
        ],
        "outputConfig": {
          "textFormat": {
            "structure": {
              "jsonSchema": {
                "name": "answer",
                "schema": "{"type":"object"}",
              },
            },
            "type": "json_schema",
          },
        },
        "system": [
          {
            "text": "Be brief.",
          },
        ],
        "toolConfig": {
          "toolChoice": {
            "auto": {},
          },
          "tools": [
            {
              "toolSpec": {
                "inputSchema": {
                  "json": {
                    "type": "object",
                  },
                },
                "name": "lookup",
              },
            },
          ],
        },
      }
    `)
  })
  it('top_k on a non-Anthropic model is dropped with a warning (400 in strict mode)', () => {
    const req: ChatCompletionRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }], top_k: 5 }
    const ctx = new TranslateContext('lenient', 'bedrock')
    expect(
      convertToBedrockRequest(req, 'amazon.nova-pro-v1:0', ctx).additionalModelRequestFields,
    ).toBeUndefined()
    expect(ctx.warnings[0]).toMatch(/top_k/)
    expect(() =>
      convertToBedrockRequest(req, 'amazon.nova-pro-v1:0', new TranslateContext('strict')),
    ).toThrow(/top_k/)
  })
  it('refuses remote image URLs that were not inlined', () => {
    const req: ChatCompletionRequest = {
      model: 'x',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
    }
    expect(() => convertToBedrockRequest(req, MODEL, new TranslateContext())).toThrow(/inline images/)
  })
})

describe('Converse response → Chat', () => {
  it('maps reasoning, text, tool use and cache usage', () => {
    const res = bedrockConverseResponseSchema.parse(loadJson('bedrock', 'bedrock-tool-use'))
    expect(convertBedrockResponse(res, MODEL, 'req-1', 1)).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "finish_reason": "tool_calls",
            "index": 0,
            "logprobs": null,
            "message": {
              "content": "Let me look that up.",
              "reasoning_content": "Need the weather tool.",
              "reasoning_signature": "ErcBCkgIBRABGAIiQ",
              "refusal": null,
              "role": "assistant",
              "tool_calls": [
                {
                  "function": {
                    "arguments": "{"location":"Seattle"}",
                    "name": "get_weather",
                  },
                  "id": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                  "type": "function",
                },
              ],
            },
          },
        ],
        "created": 1,
        "id": "req-1",
        "model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "object": "chat.completion",
        "usage": {
          "completion_tokens": 60,
          "prompt_tokens": 1400,
          "prompt_tokens_details": {
            "cached_tokens": 1000,
          },
          "total_tokens": 1460,
        },
      }
    `)
  })
})

describe('ConverseStream → Chat chunks', () => {
  const events = loadChunks<{ type: string; payload: unknown }>('bedrock', 'bedrock-tool-use')
  it('decodes binary frames split at arbitrary points and maps text and tool deltas', async () => {
    const chunks = await collect(bedrockStreamToChunks(streamBody(frames(events), 7), 'id', MODEL, 1))
    expect(
      chunks.map((c) => [c.choices[0]?.delta ?? null, c.choices[0]?.finish_reason ?? null, c.usage ?? null]),
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
              "content": "Let me ",
            },
            null,
            null,
          ],
          [
            {
              "content": "check.",
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
                  "id": "tooluse_abc",
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
                    "arguments": ""Seattle"}",
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
            null,
            null,
            {
              "completion_tokens": 40,
              "prompt_tokens": 300,
              "total_tokens": 340,
            },
          ],
        ]
      `)
  })
  it('an exception frame maps to its status (throttling → 429)', async () => {
    const body = Buffer.concat([
      frames(events.slice(0, 2)),
      encodeEventFrame('throttlingException', { message: 'Too many tokens' }, 'exception'),
    ])
    await expect(collect(bedrockStreamToChunks(streamBody(body), 'id', MODEL, 1))).rejects.toMatchObject({
      status: 429,
    })
  })
  it('a corrupt frame, a cut connection or a missing messageStop → 502', async () => {
    const good = frames(events)
    const corrupt = Buffer.from(good)
    corrupt[20] = (corrupt[20] ?? 0) ^ 0xff
    await expect(collect(bedrockStreamToChunks(streamBody(corrupt), 'id', MODEL, 1))).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(/corrupt/),
    })
    await expect(
      collect(
        bedrockStreamToChunks(brokenBody(Buffer.from(good.slice(0, 50)).toString('latin1')), 'id', MODEL, 1),
      ),
    ).rejects.toMatchObject({ status: 502 })
    await expect(
      collect(bedrockStreamToChunks(streamBody(frames(events.slice(0, 3))), 'id', MODEL, 1)),
    ).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(/messageStop/),
    })
  })
})

describe('Bedrock auth and errors', () => {
  const call = {
    credential: {
      credentialId: 'c',
      name: 'aws-prod',
      provider: 'bedrock',
      version: 1,
      baseUrl: '',
      region: 'eu-central-1',
      secret: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      models: [],
      orgId: 'o',
      workspaceId: null,
    },
    model: MODEL,
  }
  it('encodes the model id once in the URL', () => {
    expect(bedrockUrl(call, 'converse')).toBe(
      'https://bedrock-runtime.eu-central-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse',
    )
  })
  it('signs with SigV4 for service bedrock in the credential region', async () => {
    const h = await bedrockAuthHeaders(call, bedrockUrl(call, 'converse'), '{}')
    expect(h.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    )
    expect(h['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/)
    // The payload hash is over the exact body bytes: sha256('{}').
    expect(h['x-amz-content-sha256']).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a')
  })
  it('ThrottlingException → 429; bad signature → 401 naming the credential', () => {
    const e = upstreamError({
      provider: 'bedrock',
      credential: 'aws-prod',
      status: 429,
      body: JSON.stringify(loadJson('bedrock', 'bedrock-error-throttling')),
      headers: new Headers({
        'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
      }),
    })
    expect(e.status).toBe(429)
    const auth = upstreamError({
      provider: 'bedrock',
      credential: 'aws-prod',
      status: 403,
      body: '{"message":"The request signature we calculated does not match the signature you provided."}',
      headers: new Headers({ 'x-amzn-errortype': 'InvalidSignatureException' }),
    })
    expect(auth.status).toBe(401)
    expect(auth.message).toMatch(
      /^bedrock \(credential aws-prod\): The request signature .*\(check or rotate the key\)$/,
    )
  })
})
