import { describe, expect, it } from 'vitest'
import { Breaker, DEFAULT_BREAKER } from '../../src/gateway/breaker.js'
import { weightedOrder } from '../../src/gateway/plan.js'
import { backoffDelay, retryAfterMs } from '../../src/gateway/retry.js'
import { ChatStreamShape, chatRequestShape, chatResponseShape } from '../../src/gateway/shape.js'
import { usageFromChat, usageFromResponses } from '../../src/gateway/usage.js'
import { readCapped } from '../../src/providers/http/upstream-body.js'
import { decodeSse } from '../../src/providers/openai-compatible/openai-compatible-sse.js'

describe('breaker', () => {
  it('closed → open on failure rate → half-open after openMs → closed on a good probe', () => {
    let now = 1_000_000
    const states: string[] = []
    const b = new Breaker(
      { ...DEFAULT_BREAKER, minRequests: 4, failureRate: 0.5, openMs: 1000 },
      (s) => states.push(s),
      () => now,
    )
    b.success()
    b.success()
    b.failure()
    expect(b.state).toBe('closed') // 3 calls: below minRequests
    b.failure()
    expect(b.state).toBe('open') // 2 of 4 failed
    expect(b.tryAcquire()).toBe(false)
    now += 1000
    expect(b.tryAcquire()).toBe(true) // the probe
    expect(b.state).toBe('half_open')
    expect(b.tryAcquire()).toBe(false) // one probe at a time
    b.success()
    expect(b.state).toBe('closed')
    expect(states).toEqual(['open', 'half_open', 'closed'])
  })

  it('a failed probe reopens; a neutral outcome frees the probe slot', () => {
    let now = 0
    const b = new Breaker(
      { ...DEFAULT_BREAKER, minRequests: 1, openMs: 100 },
      () => {},
      () => now,
    )
    b.failure()
    expect(b.state).toBe('open')
    now += 100
    expect(b.tryAcquire()).toBe(true)
    b.release()
    expect(b.tryAcquire()).toBe(true)
    b.failure()
    expect(b.state).toBe('open')
    expect(b.tryAcquire()).toBe(false)
  })

  it('old outcomes leave the window', () => {
    let now = 0
    const b = new Breaker(
      { ...DEFAULT_BREAKER, minRequests: 2, windowMs: 1000 },
      () => {},
      () => now,
    )
    b.failure()
    now += 2000
    b.failure()
    expect(b.state).toBe('closed')
    expect(b.snapshot().requests).toBe(1)
  })
})

describe('retry timing', () => {
  it('exponential backoff with equal jitter, capped', () => {
    expect(backoffDelay(0, 100, 5000, () => 0)).toBe(50)
    expect(backoffDelay(0, 100, 5000, () => 1)).toBe(100)
    expect(backoffDelay(3, 100, 5000, () => 1)).toBe(800)
    expect(backoffDelay(10, 100, 5000, () => 1)).toBe(5000)
  })
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfterMs({ 'retry-after-ms': '120' })).toBe(120)
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000)
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 7_000)).toBe(3000)
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined()
    expect(retryAfterMs({})).toBeUndefined()
  })
})

describe('weighted order', () => {
  it('orders by weight, skips weight 0, keeps every other target', () => {
    const items = [
      { model: 'a', weight: 9 },
      { model: 'b', weight: 1 },
      { model: 'z', weight: 0 },
    ]
    expect(weightedOrder(items, () => 0).map((t) => t.model)).toEqual(['a', 'b'])
    expect(weightedOrder(items, () => 0.95).map((t) => t.model)).toEqual(['b', 'a'])
  })
})

describe('shape and usage', () => {
  it('records counts and names, never text', () => {
    const s = chatRequestShape({
      model: 'x',
      messages: [
        { role: 'system', content: 'secret system prompt' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hello' },
            { type: 'image_url', image_url: { url: 'data:...' } },
          ],
        },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: {} } }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'r', schema: { type: 'object', properties: { a: {}, b: {} } } },
      },
      temperature: 0,
    })
    expect(s).toMatchObject({
      messages: 2,
      roles: { system: 1, user: 1 },
      parts: { text: 2, image: 1 },
      tools: ['lookup'],
      schemaKeys: ['a', 'b'],
    })
    expect(s.params).toEqual(['response_format', 'temperature'])
    expect(JSON.stringify(s)).not.toMatch(/secret|hello/)
    const out = chatResponseShape({
      choices: [
        {
          finish_reason: 'tool_calls',
          message: { content: null, tool_calls: [{ function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
        },
      ],
    })
    expect(out).toMatchObject({ finishReason: 'tool_calls', toolCalls: 1, tools: ['lookup'] })
    const st = new ChatStreamShape()
    st.add({ choices: [{ index: 0, delta: { content: 'abc' } }] }, 10)
    st.add(
      {
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '' } }] },
          },
        ],
      },
      10,
    )
    st.add(
      {
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
      10,
    )
    expect(st.shape()).toMatchObject({
      chars: 3,
      toolCalls: 1,
      tools: ['f'],
      finishReason: 'tool_calls',
      bytes: 30,
    })
  })
  it('maps OpenAI usage including cached and reasoning tokens', () => {
    expect(
      usageFromChat({
        prompt_tokens: 10,
        completion_tokens: 5,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 2 },
      }),
    ).toEqual({ inputTokens: 10, outputTokens: 5, cachedReadTokens: 4, reasoningTokens: 2 })
    expect(usageFromResponses({ input_tokens: 3, output_tokens: 1 })).toEqual({
      inputTokens: 3,
      outputTokens: 1,
    })
    expect(usageFromChat(null)).toBeNull()
  })
})

describe('upstream body cap', () => {
  const body = (chunks: string[]) => {
    let destroyed = false
    const it = {
      async *[Symbol.asyncIterator]() {
        for (const c of chunks) yield new TextEncoder().encode(c)
      },
      destroy() {
        destroyed = true
      },
      get destroyed() {
        return destroyed
      },
    }
    return it
  }
  it('reads bodies up to the cap and refuses larger ones', async () => {
    expect(await readCapped(body(['{"a":', '1}']), 10)).toBe('{"a":1}')
    const big = body(['x'.repeat(6), 'y'.repeat(6)])
    await expect(readCapped(big, 10)).rejects.toMatchObject({ code: 'UPSTREAM_BODY_TOO_LARGE' })
    expect(big.destroyed).toBe(true)
  })
})

describe('SSE decoding', () => {
  const bytes = (parts: string[]) => ({
    async *[Symbol.asyncIterator]() {
      for (const p of parts) yield new TextEncoder().encode(p)
    },
  })
  it('splits events across chunk boundaries and keeps event names', async () => {
    const out = []
    for await (const e of decodeSse(
      bytes(['data: {"a"', ':1}\n\nevent: x\ndata: 2\n', '\ndata: [DONE]\n\n']),
    ))
      out.push(e)
    expect(out).toEqual([{ data: '{"a":1}' }, { event: 'x', data: '2' }, { data: '[DONE]' }])
  })
  it('refuses an event larger than the cap', async () => {
    const read = async () => {
      for await (const _ of decodeSse(bytes(['data: ', 'x'.repeat(50), 'y'.repeat(50)]), 64)) {
        // drain
      }
    }
    await expect(read()).rejects.toThrow()
  })
})
