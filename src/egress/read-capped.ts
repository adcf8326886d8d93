/**
 * Reads an outbound response's body up to a byte cap. Bodies Latchkey keeps whole (tool
 * answers, images inlined for byte-only providers) come from URLs a user chose, so their size
 * is the other side's choice: reading first and checking after let an endless or huge answer
 * fill memory. This stops at the cap and cancels the body, which aborts the connection.
 * @module
 */

/** The body passed `limit` bytes; it was cancelled, nothing more is read. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError'
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`)
  }
}

/** The whole body if it is at most `maxBytes`, else throws BodyTooLargeError (body cancelled). */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null | undefined,
  maxBytes: number,
): Promise<Buffer> {
  if (!body) return Buffer.alloc(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      // Not awaited: a peer that stops reading must not hold us; cancel aborts the socket.
      reader.cancel(new BodyTooLargeError(maxBytes)).catch(() => {})
      throw new BodyTooLargeError(maxBytes)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, total)
}
