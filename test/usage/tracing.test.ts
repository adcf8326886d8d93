import { type Span, type SpanOptions, type Tracer, trace } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { callEvent } from './fixtures.js'

describe('gen_ai spans', () => {
  it('carry gen_ai.* attributes and timing, never content', async () => {
    const spans: {
      name: string
      opts: SpanOptions
      attributes?: Record<string, unknown>
      end?: unknown
      status?: unknown
    }[] = []
    const tracer: Tracer = {
      startSpan(name: string, opts: SpanOptions = {}) {
        const rec: (typeof spans)[number] = { name, opts }
        spans.push(rec)
        return {
          isRecording: () => true,
          setAttributes: (a: Record<string, unknown>) => {
            rec.attributes = a
          },
          end: (t?: unknown) => {
            rec.end = t
          },
          setStatus: (s: unknown) => {
            rec.status = s
          },
        } as unknown as Span
      },
      startActiveSpan: (() => {
        throw new Error('unused')
      }) as never,
    }
    trace.setGlobalTracerProvider({ getTracer: () => tracer })
    try {
      const { traceCall } = await import('../../src/usage/call-tracing.js')
      const e = callEvent('org_t', {
        ts: 1000,
        latencyMs: 250,
        status: 'error',
        errorCode: 'upstream_timeout',
      })
      traceCall(e)
      const s = spans[0]!
      expect(s.name).toBe('chat gpt-4o')
      expect(s.opts.startTime).toBe(1000)
      expect(s.end).toBe(1250)
      expect(s.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'openai-prod/gpt-4o',
        'gen_ai.response.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.output_tokens': 20,
        'error.type': 'upstream_timeout',
      })
      const keys = Object.keys(s.attributes ?? {})
      expect(keys.filter((k) => /messages|prompt|completion|content|arguments/.test(k))).toEqual([])
      expect(s.status).toBeDefined()
    } finally {
      trace.disable()
    }
  })
})
