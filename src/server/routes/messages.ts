/**
 * The Anthropic-compatible endpoint: POST /v1/messages (stream and not) and
 * POST /v1/messages/count_tokens. Any provider kind serves it through the gateway (routing,
 * retries, budgets, metering): Anthropic-native credentials (anthropic, Vertex Claude) get the
 * caller's body untouched and answer untouched; every other kind is translated both ways.
 * Errors render in Anthropic's shape (server/protocol.ts).
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, badRequest } from '../../errors/app-error.js'
import { CallRecord } from '../../gateway/call-record.js'
import { asAbortSignal } from '../../gateway/cancel.js'
import { chatRequestShape } from '../../gateway/shape.js'
import type { CallStatus } from '../../gateway/spec/v1/index.js'
import { authorize } from '../../identity/authorize.js'
import type { Principal } from '../../identity/principal.js'
import type { FetchInit, FetchResponse } from '../../providers/adapter.js'
import { NATIVE_EVENT, NATIVE_MESSAGE } from '../../providers/anthropic/anthropic-native.js'
import { anthropicUrl } from '../../providers/anthropic/anthropic-provider.js'
import {
  anthropicInboundSchema,
  convertFromAnthropicRequest,
} from '../../providers/anthropic/convert-from-anthropic-request.js'
import { convertToAnthropicMessage } from '../../providers/anthropic/convert-to-anthropic-message.js'
import { upstreamError } from '../../providers/http/upstream-error.js'
import type { ChatCompletion } from '../../providers/translate/openai-chat.js'
import {
  prependWarnings,
  TranslateContext,
  type TranslateMode,
} from '../../providers/translate/translate-context.js'
import { vertexAccessToken } from '../../providers/vertex/vertex-auth.js'
import { isVertexClaude, vertexUrl } from '../../providers/vertex/vertex-provider.js'
import { type ExchangeHandler, pickHeaders } from '../gateway-exchange.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'
import { relayAnthropicStream } from './messages-relay.js'

/** Anthropic client headers passed upstream to Anthropic-native targets. */
const FORWARD = ['anthropic-version', 'anthropic-beta'] as const

/** The route's translation mode (strict: 400 on parameters a target cannot honour). */
function routeMode(rt: Runtime, p: Principal, model: string): TranslateMode {
  if (model.includes('/')) return 'lenient'
  return rt.gateway.routes.get(p.orgId, model)?.mode ?? 'lenient'
}

/** POST /v1/messages as an exchange (server/gateway-exchange.ts): Fastify route and fast path. */
export function messagesExchange(rt: Runtime): ExchangeHandler {
  return async function anthropicMessages(x) {
    const p = x.principal
    const parsed = anthropicInboundSchema.safeParse(x.body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const path = issue?.path.join('.') ?? ''
      throw badRequest(`${path ? `${path}: ` : ''}${issue?.message ?? 'invalid request'}`, {
        param: path || undefined,
      })
    }
    const inbound = parsed.data
    if (inbound.max_tokens === undefined)
      throw badRequest('max_tokens: Field required', { param: 'max_tokens' })
    const ctx = new TranslateContext(routeMode(rt, p, inbound.model), 'the target provider')
    const canonical = convertFromAnthropicRequest(inbound, ctx)
    // The wire is decided per attempt, by the target: one that speaks Anthropic natively sends
    // the caller's own body (anthropicBody), any other maps the canonical request.
    const r = await rt.gateway.gateway.call({
      endpoint: 'chat',
      body: canonical as Record<string, unknown>,
      anthropicBody: x.body as Record<string, unknown>,
      callerProtocol: 'anthropic',
      bodyBytes: x.bodyBytes,
      principal: p,
      requestId: x.requestId,
      signal: x.gone,
      forwardHeaders: pickHeaders(x.headers, FORWARD),
      meterEndpoint: 'messages',
      canonical: true,
    })
    // Request-translation warnings first, then the target's, in both warning headers — unless
    // the target took the caller's body untouched (nothing was translated then).
    const native =
      r.kind === 'json'
        ? (r.json as Record<string, unknown>)[NATIVE_MESSAGE]
        : r.first.data.includes(NATIVE_EVENT)
    if (!native) prependWarnings(ctx.warnings, r.headers)
    if (r.kind === 'json') {
      const json = r.json as ChatCompletion & Record<string, unknown>
      let out: unknown = native
      if (!native) out = convertToAnthropicMessage(json, inbound.model)
      return { status: 200, headers: r.headers, body: JSON.stringify(out) }
    }
    await relayAnthropicStream(r, x.res, {
      model: inbound.model,
      messageId: `msg_${x.requestId.replace(/[^A-Za-z0-9]/g, '')}`,
      baseHeaders: x.takeOver(),
      t0: x.t0,
    })
    return null
  }
}

/** POST /v1/messages itself is registered with the gateway's exchanges (routes/gateway.ts). */
export async function messagesRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const opts = { schema: { hide: true } }

  app.post(
    '/v1/messages/count_tokens',
    opts,
    async function countTokens(req: FastifyRequest, reply: FastifyReply) {
      const p = principalOf(req)
      const body = req.body as Record<string, unknown> | undefined
      const model = typeof body?.model === 'string' ? body.model : ''
      const slash = model.indexOf('/')
      if (slash <= 0) {
        throw badRequest('model must name an Anthropic credential: <credential>/<model>', { param: 'model' })
      }
      authorize(p, 'gateway:use', { orgId: p.orgId, workspaceId: p.workspaceId })
      const cred = await rt.credentials.find(p, model.slice(0, slash))
      const upstreamModel = model.slice(slash + 1)
      if (!cred)
        throw badRequest(`model ${JSON.stringify(model)} not found`, {
          param: 'model',
          code: 'model_not_found',
        })
      if (cred.models.length > 0 && !cred.models.includes(upstreamModel)) {
        throw badRequest(`credential ${cred.name} does not allow model ${upstreamModel}`, { param: 'model' })
      }
      // A key use like any other: metered and audited by shape (no text) through the batched
      // writer after the response, never a database round trip on the request path.
      const rec = new CallRecord({
        requestId: String(req.id),
        principal: p,
        workspaceId: p.workspaceId,
        requestedModel: model,
        endpoint: 'count_tokens',
        stream: false,
        inputShape: chatRequestShape(body ?? {}),
      })
      let outcome: { status: CallStatus; httpStatus: number; bytes: number; error?: AppError | null } = {
        status: 'error',
        httpStatus: 500,
        bytes: 0,
      }
      let text: string
      try {
        // A credential no org admin vouched for connects under the restricted policy.
        const fetchVia = (url: string, init: FetchInit) =>
          rt.gateway.egress.fetch(
            p.orgId,
            url,
            { ...init, signal: asAbortSignal(init.signal) ?? null },
            { restricted: cred.privateOk === false },
          )
        const call = { credential: cred, model: upstreamModel, fetch: fetchVia }
        let url: string
        let headers: Record<string, string>
        let payload: Record<string, unknown> = { ...body, model: upstreamModel }
        if (cred.provider === 'anthropic') {
          url = anthropicUrl(cred.baseUrl, 'messages/count_tokens')
          headers = {
            'content-type': 'application/json',
            'x-api-key': cred.apiKey ?? '',
            'anthropic-version': pickHeaders(req.headers, FORWARD)['anthropic-version'] ?? '2023-06-01',
          }
        } else if (cred.provider === 'vertex' && isVertexClaude(upstreamModel)) {
          url = vertexUrl(call, 'count-tokens', 'rawPredict').replace(
            '/publishers/google/',
            '/publishers/anthropic/',
          )
          headers = {
            'content-type': 'application/json',
            authorization: `Bearer ${await vertexAccessToken(call)}`,
          }
          payload = { ...payload, anthropic_version: 'vertex-2023-10-16' }
        } else {
          throw badRequest(`count_tokens needs an Anthropic credential; '${cred.name}' is ${cred.provider}`, {
            param: 'model',
            code: 'unsupported_endpoint',
          })
        }
        let res: FetchResponse
        try {
          res = await fetchVia(url, { method: 'POST', headers, body: JSON.stringify(payload) })
        } catch (err) {
          throw upstreamError({
            provider: cred.provider,
            credential: cred.name,
            status: 502,
            body: String((err as Error).message),
            headers: new Headers(),
          })
        }
        text = await res.text()
        if (!res.ok) {
          throw upstreamError({
            provider: cred.provider,
            credential: cred.name,
            status: res.status,
            body: text,
            headers: res.headers,
            secrets: [cred.apiKey ?? ''],
          })
        }
        outcome = { status: 'ok', httpStatus: 200, bytes: Buffer.byteLength(text) }
      } catch (err) {
        const e = err instanceof AppError ? err : null
        outcome = { status: 'error', httpStatus: e?.status ?? 500, bytes: 0, error: e }
        throw err
      } finally {
        rt.calls.emit({
          ...rec.event({ ...outcome, usage: null, costUsd: null, outputShape: { bytes: outcome.bytes } }),
          credentialId: cred.credentialId,
          provider: cred.provider,
          model: upstreamModel,
        })
      }
      await rt.calls.settled?.()
      return reply.status(200).type('application/json').send(text)
    },
  )
}
