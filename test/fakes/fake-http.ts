/** Small node:http helpers shared by the provider fakes. */
import type http from 'node:http'

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

export function startSse(res: http.ServerResponse, contentType = 'text/event-stream'): void {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' })
}

/** Writes with a tick between pieces so clients see a real stream. */
export async function writeAll(
  res: http.ServerResponse,
  parts: (string | Uint8Array)[],
  cutAfter?: number,
): Promise<void> {
  for (const [i, p] of parts.entries()) {
    if (cutAfter !== undefined && i >= cutAfter) {
      res.destroy()
      return
    }
    res.write(p)
    await new Promise((r) => setImmediate(r))
  }
  res.end()
}
