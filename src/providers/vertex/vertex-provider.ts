/**
 * The `vertex` kind: Gemini models (`publishers/google`) through the Gemini mappers, and
 * Claude models (`publishers/anthropic`, ids starting with `claude`) through the Anthropic
 * mappers with `rawPredict`/`streamRawPredict` — body without `model`, plus
 * `anthropic_version: vertex-2023-10-16`. Native `/v1/messages` pass-through for Claude.
 * Secret: `{serviceAccount, project?, location?}` (vault schema); the location is
 * the credential's region (default `global`).
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 * @module
 */

import { badRequest } from '../../errors/app-error.js'
import type { FetchResponse, ProviderAdapter, ProviderCall } from '../adapter.js'
import { anthropicMessageSchema } from '../anthropic/anthropic-api.js'
import { nativeAnthropicStream, nativeRequestOf, withNativeMessage } from '../anthropic/anthropic-native.js'
import { anthropicStreamToChunks } from '../anthropic/anthropic-stream.js'
import { convertAnthropicResponse } from '../anthropic/convert-anthropic-response.js'
import { convertToAnthropicRequest } from '../anthropic/convert-to-anthropic-request.js'
import { geminiChatBody, geminiChatResult, geminiStreamResult } from '../gemini/gemini-chat.js'
import { passBackHeaders } from '../http/headers.js'
import { readJson, send } from '../http/send.js'
import { nowSeconds } from '../translate/ids.js'
import type { ChatCompletionRequest } from '../translate/openai-chat.js'
import { parseChatRequest } from '../translate/openai-chat-schema.js'
import { TranslateContext } from '../translate/translate-context.js'
import { serviceAccountOf, vertexAccessToken } from './vertex-auth.js'

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16'

export function isVertexClaude(model: string): boolean {
  return model.startsWith('claude')
}

function location(call: ProviderCall): string {
  const s = call.credential.secret ?? {}
  return call.credential.region ?? (typeof s.location === 'string' ? s.location : 'global')
}

function host(call: ProviderCall, loc: string): string {
  if (call.credential.baseUrl) return call.credential.baseUrl.replace(/\/+$/, '').replace(/\/v1(beta1)?$/, '')
  if (loc === 'global') return 'https://aiplatform.googleapis.com'
  if (loc === 'us' || loc === 'eu') return `https://aiplatform.${loc}.rep.googleapis.com`
  return `https://${loc}-aiplatform.googleapis.com`
}

/** `…/v1/projects/{p}/locations/{loc}/publishers/{pub}/models/{m}:{op}`. */
export function vertexUrl(call: ProviderCall, model: string, op: string): string {
  const s = call.credential.secret ?? {}
  const project = (typeof s.project === 'string' && s.project) || serviceAccountOf(call)?.project_id
  if (!project)
    throw badRequest(
      `credential '${call.credential.name}' has no Vertex project (secret.project or the key's project_id)`,
    )
  const loc = location(call)
  const publisher = isVertexClaude(model) ? 'anthropic' : 'google'
  return `${host(call, loc)}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(loc)}/publishers/${publisher}/models/${encodeURIComponent(model)}:${op}`
}

async function post(call: ProviderCall, url: string, body: unknown, accept?: string): Promise<FetchResponse> {
  const token = await vertexAccessToken(call)
  return send(url, {
    provider: 'vertex',
    call,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(accept ? { accept } : {}),
    },
    body: JSON.stringify(body),
    secrets: [token],
  })
}

function claudeBody(req: ChatCompletionRequest, call: ProviderCall, ctx: TranslateContext, stream: boolean) {
  const native = nativeRequestOf(call)
  const full: Record<string, unknown> = native
    ? { ...native }
    : { ...convertToAnthropicRequest({ ...req, stream }, call.model, ctx) }
  // Vertex names the model in the URL; the body must not carry it.
  delete full.model
  return { ...full, anthropic_version: VERTEX_ANTHROPIC_VERSION }
}

export const vertexAdapter: ProviderAdapter = {
  wire: 'vertex',

  async chat(raw, call) {
    const req = parseChatRequest(raw)
    const ctx = new TranslateContext(call.mode, 'vertex')
    if (isVertexClaude(call.model)) {
      const res = await post(
        call,
        vertexUrl(call, call.model, 'rawPredict'),
        claudeBody(req, call, ctx, false),
      )
      const msg = await readJson(res, anthropicMessageSchema, 'vertex')
      const response = convertAnthropicResponse(msg, nowSeconds())
      return {
        response: nativeRequestOf(call) ? withNativeMessage(response, msg) : response,
        warnings: ctx.warnings,
        headers: passBackHeaders(res),
      }
    }
    const body = await geminiChatBody(req, call, ctx, { dropFunctionIds: true })
    const res = await post(call, vertexUrl(call, call.model, 'generateContent'), body)
    return geminiChatResult(res, call, ctx, 'vertex')
  },

  async chatStream(raw, call) {
    const req = parseChatRequest(raw)
    const ctx = new TranslateContext(call.mode, 'vertex')
    if (isVertexClaude(call.model)) {
      const res = await post(
        call,
        vertexUrl(call, call.model, 'streamRawPredict'),
        claudeBody(req, call, ctx, true),
        'text/event-stream',
      )
      return {
        chunks: nativeRequestOf(call)
          ? nativeAnthropicStream(res.body, call.model, nowSeconds(), 'vertex')
          : anthropicStreamToChunks(res.body, call.model, nowSeconds(), 'vertex'),
        warnings: ctx.warnings,
        headers: passBackHeaders(res),
      }
    }
    const body = await geminiChatBody(req, call, ctx, { dropFunctionIds: true })
    const res = await post(
      call,
      `${vertexUrl(call, call.model, 'streamGenerateContent')}?alt=sse`,
      body,
      'text/event-stream',
    )
    return geminiStreamResult(res, call, ctx, 'vertex')
  },

  anthropic: {
    supportsMessages: (call) => isVertexClaude(call.model),
    async messages(body, call, op) {
      if (op === 'count_tokens') {
        return post(call, vertexUrl(call, 'count-tokens', 'rawPredict').replace('/google/', '/anthropic/'), {
          ...body,
          model: call.model,
        })
      }
      const { model: _m, ...rest } = body
      const stream = rest.stream === true
      return post(
        call,
        vertexUrl(call, call.model, stream ? 'streamRawPredict' : 'rawPredict'),
        { ...rest, anthropic_version: VERTEX_ANTHROPIC_VERSION },
        stream ? 'text/event-stream' : undefined,
      )
    },
  },
}
