import { describe, expect, it } from 'vitest'
import { scrub, upstreamError } from './upstream-error.js'

const err = (status: number, body: unknown, headers: Record<string, string> = {}, secrets: string[] = []) =>
  upstreamError({
    provider: 'openai',
    credential: 'oa-prod',
    status,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: new Headers(headers),
    secrets,
  })

describe('upstream error mapping', () => {
  it('maps each class to the status the caller SDK acts on', () => {
    const rows = [
      [
        401,
        { error: { message: 'Incorrect API key provided: sk-abc***xyz', type: 'invalid_request_error' } },
        401,
        'authentication_error',
      ],
      [
        403,
        { error: { message: 'Country not supported', type: 'permission_error' } },
        403,
        'permission_error',
      ],
      [429, { error: { message: 'Rate limit reached', type: 'requests' } }, 429, 'rate_limit_error'],
      [
        529,
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        503,
        'overloaded_error',
      ],
      [
        503,
        { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } },
        503,
        'overloaded_error',
      ],
      [
        504,
        { error: { code: 504, message: 'Deadline expired', status: 'DEADLINE_EXCEEDED' } },
        504,
        'timeout_error',
      ],
      [
        400,
        {
          error: {
            message: "This model's maximum context length is 128000 tokens.",
            code: 'context_length_exceeded',
          },
        },
        400,
        'invalid_request_error',
      ],
      [404, { error: { message: 'The model `gpt-9` does not exist' } }, 404, 'not_found_error'],
      [422, { detail: 'bad' }, 422, 'invalid_request_error'],
      [500, 'Internal Server Error', 502, 'api_error'],
    ] as const
    for (const [status, body, want, type] of rows) {
      const e = err(status, body)
      expect({ status, got: e.status, type: e.type }).toEqual({ status, got: want, type })
    }
  })
  it('auth errors name the credential and carry no key material', () => {
    const e = err(401, { error: { message: 'Incorrect API key provided: sk-proj-abcdefghijklmnop' } })
    expect(e.message).toBe(
      'openai (credential oa-prod): Incorrect API key provided: [redacted] (check or rotate the key)',
    )
    expect(e.retryable).toBe(false)
  })
  it('context-length errors say so with the provider reason', () => {
    const e = err(400, { error: { message: "This model's maximum context length is 128000 tokens." } })
    expect(e.code).toBe('context_length_exceeded')
    expect(e.message).toContain('maximum context length')
  })
  it('retry-after from seconds, milliseconds, HTTP dates and Gemini RetryInfo', () => {
    expect(err(429, {}, { 'retry-after': '3' }).headers['retry-after']).toBe('3')
    expect(err(429, {}, { 'retry-after-ms': '1500' }).headers['retry-after']).toBe('2')
    expect(err(429, { error: { details: [{ retryDelay: '41s' }] } }).headers['retry-after']).toBe('41')
  })
  it('scrubs secrets and key-like strings from provider messages', () => {
    expect(scrub('bad key sk-live-0123456789abcdef and AIzaSyA1234567890abcdefghijklmnopqrstu', [])).toBe(
      'bad key [redacted] and [redacted]',
    )
    expect(scrub('token mysecretvalue rejected', ['mysecretvalue'])).toBe('token [redacted] rejected')
    const e = err(400, { error: { message: 'value mysecretvalue invalid' } }, {}, ['mysecretvalue'])
    expect(e.message).not.toContain('mysecretvalue')
  })
  it('one scrubber on every path: Latchkey tokens, JWTs and PEM keys go too (the old one missed them)', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eXoxMjM0NSJ9.c2lnbmF0dXJlMTIzNDU2'
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----'
    const body = { error: { message: `echo lk_live_0123456789abcdefXYZ ${jwt} ${pem}` } }
    for (const status of [400, 401, 429, 500]) {
      const e = err(status, body)
      expect(e.message).not.toMatch(/lk_live|eyJhbGci|MIIEvQ/)
    }
  })
  it('a same-wire and a translated call see the same error for the same body', () => {
    const anth = upstreamError({
      provider: 'anthropic',
      credential: 'c',
      status: 529,
      body: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      headers: { 'retry-after': '7', 'request-id': 'req_1' },
    })
    expect(anth).toMatchObject({ status: 503, type: 'overloaded_error', code: 'upstream_unavailable' })
    expect(anth.headers).toEqual({ 'retry-after': '7', 'request-id': 'req_1' })
    const oai = err(400, {
      error: {
        message: 'bad temp',
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'invalid_value',
      },
    })
    expect(oai).toMatchObject({ status: 400, code: 'invalid_value', param: 'temperature' })
    expect(err(302, '')).toMatchObject({ status: 502, code: 'upstream_redirect' })
  })
})

describe('caller input validation before translation', () => {
  it('a wrong shape is a 400 naming the field, never a TypeError', async () => {
    const { parseChatRequest } = await import('../translate/openai-chat-schema.js')
    const bad = [
      [{ model: 'm', messages: [] }, 'messages'],
      [{ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
      [
        { model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function' }] },
        'tools[0].function',
      ],
      [
        { model: 'm', messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'allowed_tools' } },
        'tool_choice',
      ],
      [
        { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'a', function: {} }] }] },
        'messages[0].tool_calls[0].function.name',
      ],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 5 }, 'temperature'],
    ] as const
    for (const [body, param] of bad) {
      let caught: unknown
      try {
        parseChatRequest(body)
      } catch (e) {
        caught = e
      }
      expect(caught).toMatchObject({ status: 400, param })
    }
    expect(
      parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], extra: 1 }),
    ).toMatchObject({ extra: 1 })
  })
})
