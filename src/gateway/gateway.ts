/**
 * The gateway core: one call = resolve the model (memory only) → plan targets → attempts with
 * retries, fail-over, breakers, per-attempt timeout and an overall deadline → budget reserve
 * and settle around each attempt → one CallEvent at the end. Transport-neutral: the HTTP
 * routes and the in-process `invoke()` both call `call()`.
 * @module
 */
import type { Dispatcher } from 'undici'
import type { EgressService } from '../egress/egress-service.js'
import { AppError, badRequest } from '../errors/app-error.js'
import { toAppError } from '../errors/to-app-error.js'
import { authorize } from '../identity/authorize.js'
import type { Principal } from '../identity/principal.js'
import type { Breakers } from './breaker.js'
import { CallRecord } from './call-record.js'
import { type CallSignal, CancelSignal, onAbort } from './cancel.js'
import type { RateLimiter } from './limits.js'
import type { GatewayMetrics } from './metrics.js'
import { type Plan, type Policy, planFor, resolveTarget, type Target, unknownModel } from './plan.js'
import type { Endpoint, StreamEvent } from './provider-adapter.js'
import { backoffDelay, sleep } from './retry.js'
import type { RoutesStore } from './routes-store.js'
import {
  chatRequestShape,
  chatResponseShape,
  embeddingsRequestShape,
  embeddingsResponseShape,
  responsesRequestShape,
  responsesResponseShape,
} from './shape.js'
import {
  type BudgetContext,
  type BudgetGuard,
  type CallEvent,
  type CallEventSink,
  type ContentShape,
  type CredentialLookup,
  NO_RESERVATION,
  type PriceBook,
  type Reservation,
  type Usage,
} from './spec/v1/index.js'
import {
  type AttemptFailure,
  badUpstreamBody,
  clientClosed,
  httpFailure,
  mappedFailure,
  networkFailure,
  timeoutFailure,
} from './upstream-errors.js'
import { totalTokens, usageFromChat, usageFromResponses } from './usage.js'

export interface CallInput {
  endpoint: Endpoint
  body: Record<string, unknown>
  /** Size of the body as received (shape only). */
  bodyBytes?: number
  principal: Principal
  requestId: string
  workspaceId?: string | null
  /** Aborted when the client goes away. */
  signal: CallSignal
  forwardHeaders?: Record<string, string>
  /**
   * The protocol the caller speaks (default openai): its headers (`forwardHeaders`) go only to
   * targets of the same protocol — `anthropic-beta` never reaches an OpenAI-wire upstream.
   */
  callerProtocol?: CallerProtocol
  /** POST /v1/messages: the caller's own body, sent untouched to targets that speak it. */
  anthropicBody?: Record<string, unknown>
  /** CallEvent endpoint label (`invoke` for in-process calls). */
  meterEndpoint?: CallEvent['endpoint']
  runId?: string | null
  stepId?: string | null
  workflowId?: string | null
  /** Workflow calls: the recipe's last editor, who must be able to use each credential too. */
  alsoUsableBy?: Principal
  /** `body` is the canonical Chat request translated from another wire (provider-adapter.ts). */
  canonical?: boolean
}

export interface JsonResult {
  kind: 'json'
  status: number
  /** Pass-back headers plus x-latchkey-credential / x-latchkey-model. */
  headers: Record<string, string>
  text: string
  json: unknown
  usage: Usage | null
  costUsd: number | null
  target: Target
  attempts: number
  latencyMs: number
}

export interface StreamOutcome {
  status: 'ok' | 'error' | 'cancelled'
  error?: AppError
  usage: Usage | null
  outputShape: ContentShape
  ttftMs: number | null
  /** The reassembled answer, only when the org stores content. */
  captured?: unknown
}

/** Where opted-in content goes (src/usage/content-store.ts); sealed, never in audit or logs. */
export interface ContentSink {
  enabled(orgId: string): boolean
  record(c: {
    orgId: string
    workspaceId: string | null
    requestId: string
    request: unknown
    response: unknown
  }): Promise<unknown>
}

export interface StreamHandle {
  kind: 'stream'
  endpoint: Endpoint
  headers: Record<string, string>
  first: StreamEvent
  rest: AsyncIterator<StreamEvent>
  /** Aborting it aborts the upstream request. */
  controller: CancelSignal
  idleTimeoutMs: number
  clientWantsUsage: boolean
  /** Reassemble the answer for the content store (org opted in to content storage). */
  captureContent?: boolean
  target: Target
  /** Meters, settles the budget and updates the breaker; call exactly once. */
  finish(o: StreamOutcome): void
}

export interface GatewayDeps {
  credentials: () => CredentialLookup
  budget: () => BudgetGuard
  prices: () => PriceBook
  calls: () => CallEventSink
  routes: RoutesStore
  egress: EgressService
  breakers: Breakers
  limiter: RateLimiter
  metrics: GatewayMetrics
  /** Opt-in content storage; absent or disabled for the org = nothing is kept. */
  content?: () => ContentSink | undefined
}

type AttemptOk =
  | {
      ok: true
      kind: 'json'
      status: number
      headers: Record<string, string>
      text: string
      json: unknown
      reservation: Reservation
    }
  | {
      ok: true
      kind: 'stream'
      headers: Record<string, string>
      first: StreamEvent
      rest: AsyncIterator<StreamEvent>
      controller: CancelSignal
      reservation: Reservation
      done(): void
    }

const FORWARD_BODY_LIMIT_DEFAULT_OUTPUT = 4096

export class Gateway {
  constructor(private readonly d: GatewayDeps) {}

  /** Runs one call to success (JSON result or an open stream) or throws an AppError. */
  async call(input: CallInput): Promise<JsonResult | StreamHandle> {
    const p = input.principal
    const workspaceId = input.workspaceId ?? p.workspaceId
    const body =
      input.body && typeof input.body === 'object' && !Array.isArray(input.body) ? input.body : null
    const stream = input.endpoint !== 'embeddings' && body?.stream === true
    const rec = new CallRecord({
      requestId: input.requestId,
      principal: p,
      workspaceId,
      requestedModel: typeof body?.model === 'string' ? body.model : '',
      endpoint: input.meterEndpoint ?? input.endpoint,
      stream,
      runId: input.runId,
      stepId: input.stepId,
      workflowId: input.workflowId,
      inputShape: body ? inputShape(input.endpoint, body, input.bodyBytes) : {},
    })
    try {
      // Invalid bodies are metered too (status error, code naming the field): every call counts.
      const model = validateBody(input.endpoint, input.body)
      authorize(p, 'gateway:use', { orgId: p.orgId, workspaceId })
      const admitted = this.d.limiter.admit(p, workspaceId)
      if (admitted) await admitted
      const route = model.includes('/')
        ? undefined
        : (this.d.routes.get(p.orgId, model) ?? unknownModel(model))
      const plan = planFor(model, route)
      rec.route = plan.route?.alias ?? null
      const dispatcher = this.d.egress.dispatcher(this.d.egress.policyFor(p.orgId))
      const r = await this.#run(input, plan, dispatcher, rec, stream)
      if (r.kind === 'json') await this.d.calls().settled?.()
      return r
    } catch (err) {
      const e = toAppError(err)
      const cancelled = e.code === 'client_closed'
      this.#emit(rec, {
        status: cancelled ? 'cancelled' : 'error',
        httpStatus: e.status,
        error: e,
        usage: null,
        costUsd: null,
        outputShape: {},
      })
      await this.d.calls().settled?.()
      throw e
    }
  }

  async #run(
    input: CallInput,
    plan: Plan,
    dispatcher: Dispatcher,
    rec: CallRecord,
    stream: boolean,
  ): Promise<JsonResult | StreamHandle> {
    const { policy } = plan
    const deadline = rec.t0 + policy.deadlineMs
    let lastErr: AppError | undefined
    for (const model of plan.models) {
      let target: Target
      try {
        target = await this.#resolve(input, model)
      } catch (err) {
        // A direct model that does not resolve is the caller's error; a route target that
        // does not (deleted credential, lost rights) is skipped.
        if (!plan.route) throw err
        lastErr = toAppError(err)
        continue
      }
      rec.target = target
      const provider = target.credential.provider
      const breaker = this.d.breakers.get(target.credential.credentialId, target.upstreamModel)
      for (let i = 0; i < policy.attempts; i++) {
        if (input.signal.aborted) throw clientClosed()
        if (performance.now() >= deadline) throw lastErr ?? deadlineError(policy)
        if (i > 0) {
          // A retry starts a new attempt: it uses the credential's current version (rotation
          // takes effect at once; attempts already sent finish on the old key).
          try {
            target = await this.#resolve(input, model)
            rec.target = target
          } catch (err) {
            lastErr = toAppError(err)
            break
          }
        }
        if (!breaker.tryAcquire()) {
          lastErr = new AppError(
            503,
            'overloaded_error',
            `circuit open for ${provider} (credential ${target.credential.name}) model ${target.upstreamModel}: too many recent failures`,
            { code: 'circuit_open' },
          )
          this.d.metrics.attempts.child(provider, 'breaker_open').inc()
          break
        }
        rec.attempt++
        const r = await this.#attempt(target, input, policy, deadline, dispatcher, stream, plan.route?.mode)
        if ('ok' in r) {
          breaker.success()
          this.d.metrics.attempts.child(provider, 'ok').inc()
          return r.kind === 'json'
            ? this.#finishJson(input, target, r, rec)
            : this.#streamHandle(input, target, r, rec, policy)
        }
        if (r.unhealthy) breaker.failure()
        else breaker.release()
        lastErr = r.error
        if (r.next === 'stop') {
          this.d.metrics.attempts.child(provider, 'stop').inc()
          throw r.error
        }
        const last = i + 1 >= policy.attempts || r.next === 'next'
        const tooLong = r.retryAfterMs !== undefined && r.retryAfterMs > policy.maxRetryAfterMs
        const wait = r.retryAfterMs ?? backoffDelay(i, policy.backoffMs, policy.maxBackoffMs)
        if (last || tooLong || performance.now() + wait >= deadline) {
          this.d.metrics.attempts.child(provider, 'failover').inc()
          break
        }
        this.d.metrics.attempts.child(provider, 'retry').inc()
        if (!(await sleep(wait, input.signal))) throw clientClosed()
      }
    }
    throw lastErr ?? unknownModel(plan.requested)
  }

  async #attempt(
    target: Target,
    input: CallInput,
    policy: Policy,
    deadline: number,
    dispatcher: Dispatcher,
    stream: boolean,
    mode: 'strict' | 'lenient' | undefined,
  ): Promise<AttemptOk | AttemptFailure> {
    const cred = target.credential
    const controller = new CancelSignal()
    const offClientAbort = onAbort(input.signal, () => controller.abort(new Error('client closed')))
    const budgetMs = Math.max(1, Math.min(policy.timeoutMs, deadline - performance.now()))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort(new Error('attempt timeout'))
    }, budgetMs)
    const cleanup = () => {
      clearTimeout(timer)
      offClientAbort()
    }
    let reservation: Reservation = NO_RESERVATION
    const guard = this.d.budget()
    const budgetCtx: BudgetContext = {
      principal: input.principal,
      workspaceId: input.workspaceId ?? input.principal.workspaceId,
      credentialId: cred.credentialId,
      provider: cred.provider,
      model: target.upstreamModel,
      workflowId: input.workflowId ?? null,
    }
    if (guard.covers?.(budgetCtx) !== false) {
      try {
        reservation = await guard.reserve(budgetCtx, this.#estimate(input, target))
      } catch (err) {
        cleanup()
        return { error: toAppError(err), next: 'stop', unhealthy: false }
      }
    }
    const release = () => this.#settle(reservation, null, null)
    try {
      const res = await target.adapter.send({
        endpoint: input.endpoint,
        ...(mode ? { mode } : {}),
        ...(input.canonical ? { canonical: true } : {}),
        body: { ...input.body, model: target.upstreamModel },
        stream,
        wantUsage: true,
        credential: cred,
        // A credential no org admin vouched for gets the org's restricted policy (privateOrigins).
        dispatcher:
          cred.privateOk === false
            ? this.d.egress.dispatcher(this.d.egress.policyFor(input.principal.orgId, true))
            : dispatcher,
        signal: controller,
        forwardHeaders: protocolHeaders(input, target),
        ...(input.anthropicBody ? { anthropicBody: input.anthropicBody } : {}),
        requestId: input.requestId,
      })
      if (res.status < 200 || res.status >= 300) {
        const text = await res.text().catch(() => '')
        cleanup()
        release()
        return httpFailure(cred, res.status, text, res.headers)
      }
      if (!stream) {
        const text = await res.text()
        cleanup()
        let json: unknown = res.parsed
        if (json === undefined) {
          try {
            json = JSON.parse(text)
          } catch {
            release()
            return badUpstreamBody(cred)
          }
        }
        return { ok: true, kind: 'json', status: res.status, headers: res.headers, text, json, reservation }
      }
      const rest = res.events()
      const first = await rest.next()
      if (first.done) {
        cleanup()
        release()
        return badUpstreamBody(cred)
      }
      // The per-attempt timer stops here; the relay runs an idle timer between events.
      clearTimeout(timer)
      return {
        reservation,
        ok: true,
        kind: 'stream',
        headers: res.headers,
        first: first.value,
        rest,
        controller,
        done: offClientAbort,
      }
    } catch (err) {
      cleanup()
      release()
      if (input.signal.aborted) return { error: clientClosed(), next: 'stop', unhealthy: false }
      if (timedOut) return timeoutFailure(cred, Math.round(budgetMs), stream ? 'first event' : 'response')
      if (err instanceof AppError) return mappedFailure(err)
      return networkFailure(cred, err)
    }
  }

  /** Settles a reservation once the call's usage is known (null: released unused). */
  #settle(r: Reservation, usage: Usage | null, costUsd: number | null): void {
    if (r === NO_RESERVATION) return
    void this.d
      .budget()
      .settle(r, { usage, costUsd })
      .catch(() => {})
  }

  #estimate(input: CallInput, target: Target) {
    const b = input.body
    const inputTokens = Math.ceil((input.bodyBytes ?? JSON.stringify(b).length) / 4)
    const maxOut =
      input.endpoint === 'embeddings'
        ? 0
        : (num(b.max_completion_tokens) ??
          num(b.max_tokens) ??
          num(b.max_output_tokens) ??
          FORWARD_BODY_LIMIT_DEFAULT_OUTPUT)
    const costUsd = this.d
      .prices()
      .cost(input.principal.orgId, target.credential.provider, target.upstreamModel, {
        inputTokens,
        outputTokens: maxOut,
      })
    return { inputTokens, maxOutputTokens: maxOut, costUsd }
  }

  #finishJson(
    input: CallInput,
    target: Target,
    r: Extract<AttemptOk, { kind: 'json' }>,
    rec: CallRecord,
  ): JsonResult {
    const usage =
      input.endpoint === 'responses'
        ? usageFromResponses(obj(r.json)?.usage)
        : usageFromChat(obj(r.json)?.usage)
    const costUsd = usage ? this.#cost(input.principal, target, usage) : null
    this.#settle(r.reservation, usage, costUsd)
    this.d.limiter.charge(
      input.principal,
      input.workspaceId ?? input.principal.workspaceId,
      totalTokens(usage),
    )
    const bytes = Buffer.byteLength(r.text)
    this.#emit(rec, {
      status: 'ok',
      httpStatus: r.status,
      usage,
      costUsd,
      outputShape: outputShape(input.endpoint, r.json, bytes),
    })
    this.#storeContent(input, r.json)
    return {
      kind: 'json',
      status: r.status,
      headers: { ...r.headers, ...successHeaders(target) },
      text: r.text,
      json: r.json,
      usage,
      costUsd,
      target,
      attempts: rec.attempt,
      latencyMs: rec.elapsed(),
    }
  }

  #streamHandle(
    input: CallInput,
    target: Target,
    r: Extract<AttemptOk, { kind: 'stream' }>,
    rec: CallRecord,
    policy: Policy,
  ): StreamHandle {
    let finished = false
    const so = input.body.stream_options
    return {
      kind: 'stream',
      endpoint: input.endpoint,
      headers: { ...r.headers, ...successHeaders(target) },
      first: r.first,
      rest: r.rest,
      controller: r.controller,
      idleTimeoutMs: policy.timeoutMs,
      clientWantsUsage:
        !!so && typeof so === 'object' && (so as Record<string, unknown>).include_usage === true,
      captureContent: this.d.content?.()?.enabled(input.principal.orgId) === true,
      target,
      finish: (o) => {
        if (finished) return
        finished = true
        r.done()
        if (o.status === 'error' && o.error?.code !== 'upstream_error_event') {
          this.d.breakers.get(target.credential.credentialId, target.upstreamModel).failure()
        }
        const costUsd = o.usage ? this.#cost(input.principal, target, o.usage) : null
        this.#settle(r.reservation, o.usage, costUsd)
        this.d.limiter.charge(
          input.principal,
          input.workspaceId ?? input.principal.workspaceId,
          totalTokens(o.usage),
        )
        rec.ttftMs = o.ttftMs
        if (o.captured !== undefined)
          this.#storeContent(input, { stream: true, status: o.status, ...(o.captured as object) })
        this.#emit(rec, {
          status: o.status,
          httpStatus: o.status === 'ok' ? 200 : o.status === 'cancelled' ? 499 : (o.error?.status ?? 502),
          error: o.error ?? null,
          usage: o.usage,
          costUsd,
          outputShape: o.outputShape,
        })
      },
    }
  }

  /** The target a model names for this caller, as its credential stands now. */
  #resolve(input: CallInput, model: string): Promise<Target> {
    return resolveTarget(this.d.credentials(), input.principal, model, input.endpoint, input.alsoUsableBy)
  }

  /** Hands the exchange to the content store when the org opted in (fire and forget). */
  #storeContent(input: CallInput, response: unknown): void {
    const sink = this.d.content?.()
    const orgId = input.principal.orgId
    if (!sink?.enabled(orgId)) return
    void sink
      .record({
        orgId,
        workspaceId: input.workspaceId ?? input.principal.workspaceId,
        requestId: input.requestId,
        request: input.body,
        response,
      })
      .catch(() => {
        // Content storage is best effort; the call itself already succeeded.
      })
  }

  #cost(p: Principal, target: Target, usage: Usage): number | null {
    try {
      return this.d.prices().cost(p.orgId, target.credential.provider, target.upstreamModel, usage)
    } catch {
      return null
    }
  }

  #emit(rec: CallRecord, o: Parameters<CallRecord['event']>[0]): void {
    const ev = rec.event(o)
    const m = this.d.metrics
    m.requests.child(ev.endpoint, ev.provider ?? 'none', ev.status).inc()
    m.duration.child(ev.endpoint).observe(ev.latencyMs / 1000)
    if (ev.ttftMs !== null) m.ttft.child(ev.endpoint).observe(ev.ttftMs / 1000)
    if (ev.usage && ev.provider) {
      m.tokens.child(ev.provider, 'input').inc(ev.usage.inputTokens)
      m.tokens.child(ev.provider, 'output').inc(ev.usage.outputTokens)
    }
    try {
      this.d.calls().emit(ev)
    } catch {
      // The sink must never fail a call.
    }
  }
}

export type CallerProtocol = 'openai' | 'anthropic'

/** Wires that speak Anthropic's protocol (natively, for Claude models) and OpenAI's. */
const PROTOCOL_WIRES: Record<CallerProtocol, ReadonlySet<string>> = {
  anthropic: new Set(['anthropic', 'vertex', 'bedrock']),
  openai: new Set(['openai', 'azure-openai']),
}
const NO_HEADERS: Record<string, string> = {}

/** The caller's protocol headers, for a target of that protocol only. */
function protocolHeaders(input: CallInput, target: Target): Record<string, string> {
  const h = input.forwardHeaders
  if (!h) return NO_HEADERS
  return PROTOCOL_WIRES[input.callerProtocol ?? 'openai'].has(target.adapter.wire) ? h : NO_HEADERS
}

function successHeaders(t: Target): Record<string, string> {
  return { 'x-latchkey-credential': headerSafe(t.credential.name), 'x-latchkey-model': headerSafe(t.model) }
}

/** Model ids come from the caller: anything outside printable ASCII is percent-encoded. */
function headerSafe(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v)
}

function deadlineError(policy: Policy): AppError {
  return new AppError(
    504,
    'timeout_error',
    `no upstream answered within the ${policy.deadlineMs} ms deadline`,
    {
      code: 'deadline_exceeded',
    },
  )
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined

/** Minimal checks before anything is resolved; the upstream validates the rest. */
export function validateBody(endpoint: Endpoint, body: unknown): string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('request body must be a JSON object', { code: 'invalid_body' })
  }
  const b = body as Record<string, unknown>
  if (typeof b.model !== 'string' || b.model.trim() === '') {
    throw badRequest('model is required: <credential>/<model> or a route alias', {
      param: 'model',
      code: 'missing_model',
    })
  }
  if (endpoint === 'chat' && (!Array.isArray(b.messages) || b.messages.length === 0)) {
    throw badRequest('messages is required: a non-empty array', {
      param: 'messages',
      code: 'missing_messages',
    })
  }
  if (endpoint === 'embeddings' && (b.input === undefined || b.input === null || b.input === '')) {
    throw badRequest('input is required', { param: 'input', code: 'missing_input' })
  }
  if (endpoint === 'responses' && b.input === undefined && b.previous_response_id === undefined) {
    throw badRequest('input is required', { param: 'input', code: 'missing_input' })
  }
  if (b.stream !== undefined && typeof b.stream !== 'boolean') {
    throw badRequest('stream must be a boolean', { param: 'stream' })
  }
  return b.model
}

function inputShape(e: Endpoint, body: Record<string, unknown>, bytes?: number): ContentShape {
  if (e === 'chat') return chatRequestShape(body, bytes)
  if (e === 'embeddings') return embeddingsRequestShape(body, bytes)
  return responsesRequestShape(body, bytes)
}

function outputShape(e: Endpoint, json: unknown, bytes: number): ContentShape {
  if (e === 'chat') return chatResponseShape(json, bytes)
  if (e === 'embeddings') return embeddingsResponseShape(json, bytes)
  return responsesResponseShape(json, bytes)
}
