/**
 * The `gemini` kind (Google AI Gemini API): Chat ⇄ generateContent, SSE streams, and
 * embeddings through `batchEmbedContents`. Base URL is the origin (DESIGN.md); `/v1beta` is
 * added unless the base already names a version.
 * @see https://ai.google.dev/api
 * @module
 */

import { unauthorized } from '../../errors/app-error.js'
import type { EmbeddingsResult, ProviderAdapter, ProviderCall } from '../adapter.js'
import { passBackHeaders } from '../http/headers.js'
import { readJson, send } from '../http/send.js'
import type { UpstreamModel } from '../model-modes.js'
import { embeddingTexts, encodeEmbedding, estimateTokens } from '../translate/embedding-input.js'
import { parseChatRequest } from '../translate/openai-chat-schema.js'
import { TranslateContext } from '../translate/translate-context.js'
import { geminiBatchEmbedResponseSchema, geminiModelListSchema } from './gemini-api.js'
import { geminiChatBody, geminiChatResult, geminiStreamResult } from './gemini-chat.js'

/** `https://generativelanguage.googleapis.com` → `…/v1beta/models/<m>:<op>`. */
export function geminiUrl(baseUrl: string, model: string, op: string): string {
  const base = baseUrl.replace(/\/+$/, '')
  const versioned = /\/v1(beta|alpha)?\d*$/.test(base) ? base : `${base}/v1beta`
  const m = model.startsWith('models/') ? model.slice(7) : model
  return `${versioned}/models/${encodeURIComponent(m)}:${op}`
}

function headers(call: ProviderCall): Record<string, string> {
  const key = call.credential.apiKey
  if (!key) throw unauthorized(`credential '${call.credential.name}' has no API key`)
  return { 'content-type': 'application/json', 'x-goog-api-key': key }
}

export const geminiAdapter: ProviderAdapter = {
  wire: 'gemini',

  async chat(raw, call) {
    const ctx = new TranslateContext(call.mode, 'gemini')
    const body = await geminiChatBody(parseChatRequest(raw), call, ctx)
    const res = await send(geminiUrl(call.credential.baseUrl, call.model, 'generateContent'), {
      provider: 'gemini',
      call,
      headers: headers(call),
      body: JSON.stringify(body),
    })
    return geminiChatResult(res, call, ctx, 'gemini')
  },

  async chatStream(raw, call) {
    const ctx = new TranslateContext(call.mode, 'gemini')
    const body = await geminiChatBody(parseChatRequest(raw), call, ctx)
    const res = await send(
      `${geminiUrl(call.credential.baseUrl, call.model, 'streamGenerateContent')}?alt=sse`,
      {
        provider: 'gemini',
        call,
        headers: { ...headers(call), accept: 'text/event-stream' },
        body: JSON.stringify(body),
      },
    )
    return geminiStreamResult(res, call, ctx, 'gemini')
  },

  async listModels(call) {
    const base = geminiUrl(call.credential.baseUrl, 'x', 'x').replace(/\/models\/x:x$/, '/models')
    const out: UpstreamModel[] = []
    let page: string | undefined
    // A few pages at most: the catalogue is small, and a broken paginator must not loop forever.
    for (let i = 0; i < 10; i++) {
      const res = await send(`${base}?pageSize=1000${page ? `&pageToken=${encodeURIComponent(page)}` : ''}`, {
        provider: 'gemini',
        call,
        method: 'GET',
        headers: headers(call),
      })
      const json = await readJson(res, geminiModelListSchema, 'gemini')
      for (const m of json.models ?? []) {
        const methods = m.supportedGenerationMethods ?? []
        const chat = methods.some((x) => /generateContent/.test(x))
        const embed = methods.some((x) => /embedContent/.test(x))
        if (methods.length > 0 && !chat && !embed) continue
        out.push({
          id: m.name.replace(/^models\//, ''),
          // Gemini says what each model does: an embedder lists only embed methods.
          ...(methods.length > 0 ? { mode: chat ? ('chat' as const) : ('embedding' as const) } : {}),
          ...(m.inputTokenLimit ? { contextWindow: m.inputTokenLimit } : {}),
        })
      }
      page = json.nextPageToken
      if (!page) break
    }
    return out
  },

  async embeddings(req, call): Promise<EmbeddingsResult> {
    const texts = embeddingTexts(req)
    const ctx = new TranslateContext(call.mode, 'gemini')
    const model = call.model.startsWith('models/') ? call.model : `models/${call.model}`
    const body = {
      requests: texts.map((text) => ({
        model,
        content: { parts: [{ text }] },
        ...(req.dimensions ? { outputDimensionality: req.dimensions } : {}),
      })),
    }
    const res = await send(geminiUrl(call.credential.baseUrl, call.model, 'batchEmbedContents'), {
      provider: 'gemini',
      call,
      headers: headers(call),
      body: JSON.stringify(body),
    })
    const json = await readJson(res, geminiBatchEmbedResponseSchema, 'gemini')
    const tokens = estimateTokens(texts)
    return {
      response: {
        object: 'list',
        data: json.embeddings.map((e, index) => ({
          object: 'embedding',
          index,
          embedding: encodeEmbedding(e.values, req.encoding_format),
        })),
        model: call.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      },
      warnings: ctx.warnings,
      headers: passBackHeaders(res),
    }
  },
}
