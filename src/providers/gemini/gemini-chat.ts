/**
 * The parts of a Chat call on the Gemini wire that the `gemini` and `vertex` kinds share: the
 * request body (remote images inlined, Gemini accepts only inline or Files-API data) and the
 * mapping of the answer, whole or streamed. Only URLs and auth differ between the two kinds.
 * @module
 */
import type { ChatResult, ChatStreamResult, FetchResponse, ProviderCall } from '../adapter.js'
import { passBackHeaders } from '../http/headers.js'
import { readJson } from '../http/send.js'
import { freshId, nowSeconds } from '../translate/ids.js'
import { fetchOf, inlineRemoteImages } from '../translate/inline-images.js'
import type { ChatCompletionRequest } from '../translate/openai-chat.js'
import type { TranslateContext } from '../translate/translate-context.js'
import { convertGeminiResponse } from './convert-gemini-response.js'
import { convertToGeminiRequest, type GeminiRequestOptions } from './convert-to-gemini-request.js'
import { type GeminiRequest, geminiResponseSchema } from './gemini-api.js'
import { geminiStreamToChunks } from './gemini-stream.js'

export async function geminiChatBody(
  req: ChatCompletionRequest,
  call: ProviderCall,
  ctx: TranslateContext,
  opts?: GeminiRequestOptions,
): Promise<GeminiRequest> {
  return convertToGeminiRequest(await inlineRemoteImages(req, fetchOf(call), call.signal), ctx, opts)
}

export async function geminiChatResult(
  res: FetchResponse,
  call: ProviderCall,
  ctx: TranslateContext,
  provider: string,
): Promise<ChatResult> {
  const json = await readJson(res, geminiResponseSchema, provider)
  return {
    response: convertGeminiResponse(json, call.model, nowSeconds(), freshId('chatcmpl-')),
    warnings: ctx.warnings,
    headers: passBackHeaders(res),
  }
}

export function geminiStreamResult(
  res: FetchResponse,
  call: ProviderCall,
  ctx: TranslateContext,
  provider: string,
): ChatStreamResult {
  return {
    chunks: geminiStreamToChunks(res.body, call.model, nowSeconds(), freshId('chatcmpl-'), provider),
    warnings: ctx.warnings,
    headers: passBackHeaders(res),
  }
}
