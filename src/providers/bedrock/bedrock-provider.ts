/**
 * The `bedrock` kind: Chat ⇄ Converse / ConverseStream (SigV4 or Bedrock API key, binary
 * event-stream), and embeddings through InvokeModel for Titan and Cohere embedding models.
 * Base URL: the credential's, else `https://bedrock-runtime.<region>.amazonaws.com`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @module
 */

import { z } from 'zod'
import { badRequest } from '../../errors/app-error.js'
import type { EmbeddingsResponse, FetchResponse, ProviderAdapter, ProviderCall } from '../adapter.js'
import { anthropicMessageSchema } from '../anthropic/anthropic-api.js'
import { nativeRequestOf, withNativeMessage } from '../anthropic/anthropic-native.js'
import { convertAnthropicResponse } from '../anthropic/convert-anthropic-response.js'
import { checkRequestCapabilities } from '../capabilities.js'
import { passBackHeaders } from '../http/headers.js'
import { readJson, send } from '../http/send.js'
import { embeddingTexts, encodeEmbedding, estimateTokens } from '../translate/embedding-input.js'
import { freshId, nowSeconds } from '../translate/ids.js'
import { fetchOf, inlineRemoteImages } from '../translate/inline-images.js'
import type { ChatCompletionRequest } from '../translate/openai-chat.js'
import { parseChatRequest } from '../translate/openai-chat-schema.js'
import { TranslateContext } from '../translate/translate-context.js'
import { bedrockAnthropicBody, bedrockAnthropicStream } from './bedrock-anthropic-native.js'
import { bedrockConverseResponseSchema } from './bedrock-api.js'
import { bedrockAuthHeaders, bedrockRegion } from './bedrock-auth.js'
import { bedrockStreamToChunks } from './bedrock-stream.js'
import { convertBedrockResponse } from './convert-bedrock-response.js'
import { convertToBedrockRequest, isBedrockAnthropic } from './convert-to-bedrock-request.js'

export function bedrockUrl(call: ProviderCall, op: string): string {
  const base = (
    call.credential.baseUrl || `https://bedrock-runtime.${bedrockRegion(call)}.amazonaws.com`
  ).replace(/\/+$/, '')
  return `${base}/model/${encodeURIComponent(call.model)}/${op}`
}

async function post(call: ProviderCall, op: string, body: string, accept?: string): Promise<FetchResponse> {
  const url = bedrockUrl(call, op)
  // accept is a signed header: it must be set before signing.
  const headers = await bedrockAuthHeaders(call, url, body, accept)
  return send(url, { provider: 'bedrock', call, headers, body })
}

async function prepare(req: ChatCompletionRequest, call: ProviderCall) {
  checkRequestCapabilities(req, 'bedrock', call.model)
  const ctx = new TranslateContext(call.mode, 'bedrock')
  const withImages = await inlineRemoteImages(req, fetchOf(call), call.signal)
  return { ctx, body: JSON.stringify(convertToBedrockRequest(withImages, call.model, ctx)) }
}

const titanSchema = z.looseObject({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().optional(),
})
const cohereSchema = z.looseObject({
  embeddings: z.union([z.array(z.array(z.number())), z.looseObject({ float: z.array(z.array(z.number())) })]),
})

export const bedrockAdapter: ProviderAdapter = {
  wire: 'bedrock',

  async chat(raw, call) {
    const req = parseChatRequest(raw)
    const native = nativeRequestOf(call)
    if (native && isBedrockAnthropic(call.model)) {
      const res = await post(call, 'invoke', JSON.stringify(bedrockAnthropicBody(native, call)))
      const msg = await readJson(res, anthropicMessageSchema, 'bedrock')
      const response = withNativeMessage(convertAnthropicResponse(msg, nowSeconds()), msg)
      return { response, warnings: [], headers: passBackHeaders(res) }
    }
    const { ctx, body } = await prepare(req, call)
    const res = await post(call, 'converse', body)
    const json = await readJson(res, bedrockConverseResponseSchema, 'bedrock')
    const id = res.headers.get('x-amzn-requestid') ?? freshId('chatcmpl-')
    return {
      response: convertBedrockResponse(json, call.model, id, nowSeconds()),
      warnings: ctx.warnings,
      headers: passBackHeaders(res),
    }
  },

  async chatStream(raw, call) {
    const req = parseChatRequest(raw)
    const native = nativeRequestOf(call)
    if (native && isBedrockAnthropic(call.model)) {
      const body = JSON.stringify(bedrockAnthropicBody(native, call))
      const res = await post(call, 'invoke-with-response-stream', body, 'application/vnd.amazon.eventstream')
      return {
        chunks: bedrockAnthropicStream(res.body, call.model, nowSeconds()),
        warnings: [],
        headers: passBackHeaders(res),
      }
    }
    const { ctx, body } = await prepare(req, call)
    const res = await post(call, 'converse-stream', body, 'application/vnd.amazon.eventstream')
    const id = res.headers.get('x-amzn-requestid') ?? freshId('chatcmpl-')
    return {
      chunks: bedrockStreamToChunks(res.body, id, call.model, nowSeconds()),
      warnings: ctx.warnings,
      headers: passBackHeaders(res),
    }
  },

  async embeddings(req, call) {
    const texts = embeddingTexts(req)
    const warnings: string[] = []
    let data: EmbeddingsResponse['data']
    let tokens = 0
    if (/cohere\.embed/.test(call.model)) {
      const res = await post(call, 'invoke', JSON.stringify({ texts, input_type: 'search_document' }))
      const json = await readJson(res, cohereSchema, 'bedrock')
      const vectors = Array.isArray(json.embeddings) ? json.embeddings : json.embeddings.float
      data = vectors.map((v, index) => ({
        object: 'embedding',
        index,
        embedding: encodeEmbedding(v, req.encoding_format),
      }))
      tokens = estimateTokens(texts)
    } else if (/titan-embed/.test(call.model)) {
      // Titan embeds one text per call.
      data = []
      for (const [index, inputText] of texts.entries()) {
        const res = await post(
          call,
          'invoke',
          JSON.stringify({ inputText, ...(req.dimensions ? { dimensions: req.dimensions } : {}) }),
        )
        const json = await readJson(res, titanSchema, 'bedrock')
        data.push({
          object: 'embedding',
          index,
          embedding: encodeEmbedding(json.embedding, req.encoding_format),
        })
        tokens += json.inputTextTokenCount ?? Math.ceil(inputText.length / 4)
      }
    } else {
      throw badRequest(
        `bedrock model '${call.model}' is not a supported embedding model (Titan or Cohere embed)`,
        { param: 'model' },
      )
    }
    return {
      response: {
        object: 'list',
        data,
        model: call.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      },
      warnings,
      headers: {},
    }
  },
}
