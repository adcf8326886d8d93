/**
 * The `anthropic` kind: Chat requests translated to Messages (both ways, streams included)
 * and native Messages pass-through for `/v1/messages`.
 * Base URL is the origin (DESIGN.md); a trailing `/v1` is tolerated.
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */

import { unauthorized } from '../../errors/app-error.js'
import type { ChatResult, ChatStreamResult, ProviderAdapter, ProviderCall } from '../adapter.js'
import { passBackHeaders } from '../http/headers.js'
import { readJson, send } from '../http/send.js'
import { nowSeconds } from '../translate/ids.js'
import type { ChatCompletionRequest } from '../translate/openai-chat.js'
import { parseChatRequest } from '../translate/openai-chat-schema.js'
import { TranslateContext } from '../translate/translate-context.js'
import { anthropicMessageSchema, anthropicModelListSchema } from './anthropic-api.js'
import { nativeAnthropicStream, nativeRequestOf, withNativeMessage } from './anthropic-native.js'
import { anthropicStreamToChunks } from './anthropic-stream.js'
import { convertAnthropicResponse } from './convert-anthropic-response.js'
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js'

export const ANTHROPIC_VERSION = '2023-06-01'

/** `https://api.anthropic.com[/v1]` → `https://api.anthropic.com/v1/<path>`. */
export function anthropicUrl(baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')
  return `${base}/v1/${path}`
}

export function anthropicHeaders(call: ProviderCall): Record<string, string> {
  const key = call.credential.apiKey
  if (!key) throw unauthorized(`credential '${call.credential.name}' has no API key`)
  const h: Record<string, string> = {
    'content-type': 'application/json',
    'x-api-key': key,
    'anthropic-version': call.callerHeaders?.['anthropic-version'] ?? ANTHROPIC_VERSION,
  }
  const beta = call.callerHeaders?.['anthropic-beta']
  if (beta) h['anthropic-beta'] = beta
  return h
}

export const anthropicAdapter: ProviderAdapter = {
  wire: 'anthropic',

  async chat(raw: ChatCompletionRequest, call: ProviderCall): Promise<ChatResult> {
    const req = parseChatRequest(raw)
    const ctx = new TranslateContext(call.mode, 'anthropic')
    const native = nativeRequestOf(call)
    const body = native
      ? { ...native, model: call.model }
      : convertToAnthropicRequest({ ...req, stream: false }, call.model, ctx)
    const res = await send(anthropicUrl(call.credential.baseUrl, 'messages'), {
      provider: 'anthropic',
      call,
      headers: anthropicHeaders(call),
      body: JSON.stringify(body),
    })
    const msg = await readJson(res, anthropicMessageSchema, 'anthropic')
    const response = convertAnthropicResponse(msg, nowSeconds())
    return {
      response: native ? withNativeMessage(response, msg) : response,
      warnings: ctx.warnings,
      headers: passBackHeaders(res),
    }
  },

  async chatStream(raw: ChatCompletionRequest, call: ProviderCall): Promise<ChatStreamResult> {
    const req = parseChatRequest(raw)
    const ctx = new TranslateContext(call.mode, 'anthropic')
    const native = nativeRequestOf(call)
    const body = native
      ? { ...native, model: call.model }
      : convertToAnthropicRequest({ ...req, stream: true }, call.model, ctx)
    const res = await send(anthropicUrl(call.credential.baseUrl, 'messages'), {
      provider: 'anthropic',
      call,
      headers: { ...anthropicHeaders(call), accept: 'text/event-stream' },
      body: JSON.stringify(body),
    })
    return {
      chunks: native
        ? nativeAnthropicStream(res.body, call.model, nowSeconds(), 'anthropic')
        : anthropicStreamToChunks(res.body, call.model, nowSeconds()),
      warnings: ctx.warnings,
      headers: passBackHeaders(res),
    }
  },

  async listModels(call) {
    const res = await send(`${anthropicUrl(call.credential.baseUrl, 'models')}?limit=1000`, {
      provider: 'anthropic',
      call,
      method: 'GET',
      headers: anthropicHeaders(call),
    })
    const json = await readJson(res, anthropicModelListSchema, 'anthropic')
    return json.data.map((m) => ({ id: m.id, mode: 'chat' as const }))
  },

  anthropic: {
    supportsMessages: () => true,
    async messages(body, call, op) {
      return send(
        anthropicUrl(call.credential.baseUrl, op === 'messages' ? 'messages' : 'messages/count_tokens'),
        {
          provider: 'anthropic',
          call,
          headers: anthropicHeaders(call),
          body: JSON.stringify({ ...body, model: call.model }),
        },
      )
    },
  },
}
