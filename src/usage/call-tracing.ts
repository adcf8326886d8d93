/**
 * One OpenTelemetry span per metered call, with the `gen_ai.*` semantic conventions. Only
 * the API is used: without an SDK registered by the operator this is a no-op. Content
 * attributes (prompts, completions, tool arguments) are never set.
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 * @module
 */
import { createRequire } from 'node:module'
import type { CallEvent } from '../gateway/spec/v1/call-event.js'

// The API's CommonJS build, which prom-client already loads: the ESM build would be a second
// copy of ~50 modules at start. Both share the global tracer provider (a globalThis symbol).
const { SpanKind, SpanStatusCode, trace } = createRequire(import.meta.url)(
  '@opentelemetry/api',
) as typeof import('@opentelemetry/api')

const tracer = trace.getTracer('latchkey')

const OPERATION: Record<CallEvent['endpoint'], string> = {
  chat: 'chat',
  messages: 'chat',
  responses: 'chat',
  invoke: 'chat',
  embeddings: 'embeddings',
  count_tokens: 'count_tokens',
  models: 'list_models',
}

export function traceCall(e: CallEvent): void {
  const op = OPERATION[e.endpoint] ?? 'chat'
  const span = tracer.startSpan(`${op} ${e.model ?? e.requestedModel}`.slice(0, 120), {
    kind: SpanKind.CLIENT,
    // CallEvent.ts is when the call started (src/gateway/call-record.ts).
    startTime: e.ts,
  })
  // Without an SDK the span is a no-op: build no attributes for it (this runs per call).
  if (!span.isRecording()) return
  span.setAttributes({
    'gen_ai.operation.name': op,
    'gen_ai.provider.name': e.provider ?? 'unknown',
    'gen_ai.request.model': e.requestedModel.slice(0, 300),
    ...(e.model ? { 'gen_ai.response.model': e.model } : {}),
    ...(e.usage
      ? {
          'gen_ai.usage.input_tokens': e.usage.inputTokens,
          'gen_ai.usage.output_tokens': e.usage.outputTokens,
        }
      : {}),
    ...(e.outputShape?.finishReason
      ? { 'gen_ai.response.finish_reasons': [e.outputShape.finishReason] }
      : {}),
    'latchkey.request_id': e.requestId,
    'latchkey.credential_id': e.credentialId ?? '',
    'latchkey.attempts': e.attempts,
    ...(e.errorCode ? { 'error.type': e.errorCode } : {}),
  })
  if (e.status !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR })
  span.end(e.ts + e.latencyMs)
}
