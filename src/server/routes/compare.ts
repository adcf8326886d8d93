/**
 * POST /api/v1/compare: one prompt to 1–6 models at once, streamed back over ONE SSE response
 * that multiplexes every column (a browser allows only six connections per host). Each column
 * is a normal streaming gateway call (same routing, limits, budgets, metering and audit as
 * /v1/chat/completions); events carry the column index:
 *
 * - `start` `{column, model}`
 * - `delta` `{column, text, ttftMs?}` (ttftMs on the column's first text)
 * - `done` `{column, model, usage: {inputTokens, outputTokens}, costUsd, ttftMs, latencyMs, finishReason}`
 * - `error` `{column, error: {type, message, code}, latencyMs}`
 * - `end` `{}` once every column has finished
 *
 * Columns fail independently. A client disconnect aborts every upstream call.
 * @module
 */
import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { AppError } from '../../errors/app-error.js'
import type { StreamHandle } from '../../gateway/gateway.js'
import { ChatStreamShape } from '../../gateway/shape.js'
import type { Usage } from '../../gateway/spec/v1/index.js'
import { midStreamError } from '../../gateway/sse-session.js'
import { usageFromChat } from '../../gateway/usage.js'
import { authorize } from '../../identity/authorize.js'
import type { Principal } from '../../identity/principal.js'
import { SamplingParams } from '../../workflows/recipe-types.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const Message = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string().max(1_000_000), z.array(z.record(z.string(), z.unknown())).max(100)]),
})

const CompareBody = z.strictObject({
  models: z.array(z.string().min(1).max(300)).min(1).max(6),
  messages: z.array(Message).min(1).max(500),
  system: z.string().max(200_000).optional(),
  params: SamplingParams.optional(),
})
type CompareBody = z.infer<typeof CompareBody>

type Obj = Record<string, unknown>

/** Serialises frames from concurrent columns onto one response, honouring backpressure. */
class SseWriter {
  private chain: Promise<void> = Promise.resolve()
  constructor(private readonly res: ServerResponse) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded
  }

  send(event: string, data: Obj): Promise<void> {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    this.chain = this.chain.then(async () => {
      if (this.closed) return
      if (!this.res.write(text)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            this.res.off('drain', done)
            this.res.off('close', done)
            resolve()
          }
          this.res.on('drain', done)
          this.res.on('close', done)
        })
      }
    })
    return this.chain
  }
}

function errorData(e: unknown): Obj {
  const err =
    e instanceof AppError ? e : new AppError(502, 'api_error', 'the call failed', { code: 'compare_failed' })
  return { type: err.type, message: err.message, code: err.code ?? null, status: err.status }
}

const round = (ms: number) => Math.round(ms * 100) / 100

/** Runs one column to its end and emits its events; never throws. */
async function runColumn(
  rt: Runtime,
  out: SseWriter,
  column: number,
  model: string,
  body: CompareBody,
  principal: Principal,
  requestId: string,
  signal: AbortSignal,
): Promise<void> {
  const t0 = performance.now()
  await out.send('start', { column, model })
  const messages: unknown[] = body.system ? [{ role: 'system', content: body.system }] : []
  messages.push(...body.messages)
  let handle: StreamHandle | undefined
  try {
    const r = await rt.gateway.gateway.call({
      endpoint: 'chat',
      body: { ...body.params, model, messages, stream: true, stream_options: { include_usage: true } },
      principal,
      requestId: `${requestId}.${column}`,
      signal,
    })
    if (r.kind === 'json') {
      // A non-streaming answer (should not happen for stream: true): emit it whole.
      const json = r.json as Obj
      const text = String(
        ((json.choices as Obj[] | undefined)?.[0]?.message as Obj | undefined)?.content ?? '',
      )
      if (text) await out.send('delta', { column, text, ttftMs: round(r.latencyMs) })
      await out.send('done', {
        column,
        model: r.headers['x-latchkey-model'] ?? model,
        usage: r.usage,
        costUsd: r.costUsd,
        ttftMs: round(r.latencyMs),
        latencyMs: round(r.latencyMs),
        finishReason: null,
      })
      return
    }
    handle = r
  } catch (e) {
    await out.send('error', { column, error: errorData(e), latencyMs: round(performance.now() - t0) })
    return
  }

  const h = handle
  const shape = new ChatStreamShape()
  let usage: Usage | null = null
  let ttftMs: number | null = null
  let upstreamError: Obj | null = null
  let failure: AppError | undefined
  let idle = false
  const idleTimer = setTimeout(() => {
    idle = true
    h.controller.abort(new Error('idle timeout'))
  }, h.idleTimeoutMs)
  const onEvent = async (data: string) => {
    if (data === '[DONE]') return
    let json: Obj
    try {
      json = JSON.parse(data) as Obj
    } catch {
      return
    }
    if (json.error) {
      upstreamError = json.error as Obj
      return
    }
    if (json.usage && typeof json.usage === 'object') usage = usageFromChat(json.usage) ?? usage
    shape.add(json, data.length)
    const delta = ((json.choices as Obj[] | undefined)?.[0]?.delta as Obj | undefined)?.content
    if (typeof delta === 'string' && delta) {
      const first = ttftMs === null
      if (first) ttftMs = round(performance.now() - t0)
      await out.send('delta', first ? { column, text: delta, ttftMs } : { column, text: delta })
    }
  }
  try {
    await onEvent(h.first.data)
    while (!signal.aborted) {
      const next = await h.rest.next()
      if (next.done) break
      idleTimer.refresh()
      await onEvent(next.value.data)
    }
  } catch {
    failure = midStreamError(h, idle)
  } finally {
    clearTimeout(idleTimer)
  }
  const latencyMs = round(performance.now() - t0)
  if (signal.aborted) {
    void h.rest.return?.().catch(() => {})
    h.finish({ status: 'cancelled', usage, outputShape: shape.shape(), ttftMs })
    return
  }
  if (failure || upstreamError) {
    const err =
      failure ??
      new AppError(
        502,
        'api_error',
        String((upstreamError as Obj | null)?.message ?? 'upstream sent an error event'),
        {
          code: 'upstream_error_event',
        },
      )
    h.finish({ status: 'error', error: err, usage, outputShape: shape.shape(), ttftMs })
    await out.send('error', { column, error: errorData(err), latencyMs })
    return
  }
  h.finish({ status: 'ok', usage, outputShape: shape.shape(), ttftMs })
  const u = usage as Usage | null
  const costUsd = u
    ? rt.prices.cost(principal.orgId, h.target.credential.provider, h.target.upstreamModel, u)
    : null
  await out.send('done', {
    column,
    model: h.headers['x-latchkey-model'] ?? model,
    usage: u ? { inputTokens: u.inputTokens, outputTokens: u.outputTokens } : null,
    costUsd,
    ttftMs,
    latencyMs,
    finishReason: shape.finishReason ?? null,
  })
}

export async function compareRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  app.post(
    '/api/v1/compare',
    {
      schema: {
        tags: ['compare'],
        summary: 'Stream one prompt to several models over one multiplexed SSE response',
        body: CompareBody,
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'compare:run')
      const body = req.body as CompareBody
      const ac = new AbortController()
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) ac.abort()
      })
      reply.hijack()
      const headers: Record<string, string | number | string[]> = {}
      for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v
      reply.raw.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      const out = new SseWriter(reply.raw)
      await Promise.all(
        body.models.map((model, i) => runColumn(rt, out, i, model, body, p, String(req.id), ac.signal)),
      )
      await out.send('end', {})
      if (!out.closed) reply.raw.end()
    },
  )
}
