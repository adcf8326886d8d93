/**
 * Reading upstream answers whole, with a cap: an upstream is another party, and a broken or
 * hostile one must not exhaust memory. Used by every adapter that reads a body to text.
 * @module
 */

/**
 * Largest non-streamed upstream body read into memory. Large embedding batches are the
 * biggest legitimate answers (2,048 × 3,072 floats as JSON ≈ 130 MB); beyond this an upstream
 * is broken or hostile and the call fails instead of exhausting memory.
 */
export const MAX_UPSTREAM_BODY = 256 * 1024 * 1024

/** Thrown when an upstream body exceeds MAX_UPSTREAM_BODY. */
export class UpstreamBodyTooLarge extends Error {
  override name = 'UpstreamBodyTooLarge'
  readonly code = 'UPSTREAM_BODY_TOO_LARGE'
}

/** Reads a body to text, refusing more than `max` bytes. */
export async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  max: number,
): Promise<string> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > max) {
      body.destroy()
      throw new UpstreamBodyTooLarge(`upstream body larger than ${max} bytes`)
    }
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
  }
  return Buffer.concat(parts, size).toString('utf8')
}

export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path
}
