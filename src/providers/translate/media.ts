/**
 * Image helpers: OpenAI `image_url` carries an http(s) URL or a `data:` URI; Anthropic takes
 * base64 or URL, Gemini `inlineData`/`fileData`, Bedrock only bytes. Splitting is pure; URL
 * fetching for Bedrock is done by the caller with the gateway's egress-guarded fetch.
 * @module
 */
import { badRequest } from '../../errors/app-error.js'

export interface InlineImage {
  mediaType: string
  data: string
}

const DATA_URI = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s

/** Splits a `data:<type>;base64,<data>` URI; undefined when the URL is not a data URI. */
export function parseDataUri(url: string): InlineImage | undefined {
  const m = DATA_URI.exec(url)
  if (!m) return undefined
  return { mediaType: m[1]!.toLowerCase(), data: m[2]! }
}

/** Builds a data URI. */
export function toDataUri(img: InlineImage): string {
  return `data:${img.mediaType};base64,${img.data}`
}

/** Guesses an image media type from a URL's extension (for Gemini fileData). */
export function mediaTypeFromUrl(url: string): string {
  const ext = /\.([a-z0-9]+)(?:$|[?#])/i.exec(url)?.[1]?.toLowerCase()
  switch (ext) {
    case 'png':
      return 'image/png'
    case 'gif':
      return 'image/gif'
    case 'webp':
      return 'image/webp'
    default:
      return 'image/jpeg'
  }
}

/** Validates an image URL is http(s) or data: (no file:, javascript:, …). */
export function checkImageUrl(url: string): void {
  if (url.startsWith('data:')) {
    if (!parseDataUri(url)) throw badRequest('image_url data URI must be base64 (data:<type>;base64,…)')
    return
  }
  if (!/^https?:\/\//i.test(url)) throw badRequest('image_url must be an http(s) URL or a data: URI')
}
