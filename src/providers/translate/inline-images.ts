/**
 * Fetches remote image URLs into data URIs for targets that only take bytes (Bedrock). Uses
 * the gateway-injected fetch, so the egress policy and SSRF guard apply to these URLs too.
 * @module
 */
import { BodyTooLargeError, readCapped } from '../../egress/read-capped.js'
import { badRequest } from '../../errors/app-error.js'
import type { CallSignal } from '../../gateway/cancel.js'
import type { FetchLike, FetchResponse } from '../adapter.js'
import { defaultFetch } from '../http/send.js'
import type { ChatCompletionRequest, ChatContentPart } from './openai-chat.js'

const MAX_IMAGE_BYTES = 5 * 1024 * 1024

/** The call's injected fetch (egress-guarded in the gateway), or the global one. */
export function fetchOf(call: { fetch?: FetchLike | undefined }): FetchLike {
  return call.fetch ?? defaultFetch
}

export async function inlineRemoteImages(
  req: ChatCompletionRequest,
  fetchFn: FetchLike,
  signal?: CallSignal,
): Promise<ChatCompletionRequest> {
  let changed = false
  const messages = await Promise.all(
    req.messages.map(async (m) => {
      if (!Array.isArray(m.content)) return m
      const parts = await Promise.all(
        m.content.map(async (p): Promise<ChatContentPart> => {
          if (p.type !== 'image_url') return p
          const url = (p as { image_url: { url: string } }).image_url.url
          if (!/^https?:\/\//i.test(url)) return p
          changed = true
          return { type: 'image_url', image_url: { url: await fetchAsDataUri(url, fetchFn, signal) } }
        }),
      )
      return { ...m, content: parts }
    }),
  )
  return changed ? { ...req, messages } : req
}

async function fetchAsDataUri(url: string, fetchFn: FetchLike, signal?: CallSignal): Promise<string> {
  let res: FetchResponse
  try {
    res = await fetchFn(url, { method: 'GET', signal, redirect: 'error' })
  } catch (err) {
    throw badRequest(`could not fetch image ${new URL(url).host}: ${(err as Error).message}`, {
      param: 'image_url',
    })
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (!res.ok || !type.startsWith('image/')) {
    res.body?.cancel().catch(() => {})
    throw badRequest(`image URL did not return an image (HTTP ${res.status}, ${type || 'no type'})`, {
      param: 'image_url',
    })
  }
  // Read no further than the limit: the image's host chooses its size.
  const buf = await readCapped(res.body, MAX_IMAGE_BYTES).catch((err: unknown) => {
    throw err instanceof BodyTooLargeError
      ? badRequest('image larger than 5 MB', { param: 'image_url' })
      : err
  })
  return `data:${type};base64,${buf.toString('base64')}`
}
