/**
 * Fixture loading for provider tests: `<case>.json` (non-stream bodies) and `<case>.chunks.txt`
 * (one stream payload per line, as in vercel/ai), plus builders for SSE response bodies.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/providers')

export function fixturePath(provider: string, name: string): string {
  return path.join(ROOT, provider, '__fixtures__', name)
}

export function loadJson<T = Record<string, unknown>>(provider: string, name: string): T {
  return JSON.parse(fs.readFileSync(fixturePath(provider, `${name}.json`), 'utf8')) as T
}

export function loadText(provider: string, name: string): string {
  return fs.readFileSync(fixturePath(provider, name), 'utf8')
}

/** Stream payload lines of `<name>.chunks.txt`, parsed. */
export function loadChunks<T = Record<string, unknown>>(provider: string, name: string): T[] {
  return loadText(provider, `${name}.chunks.txt`)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)
}

/** SSE text from payloads; `named` adds `event: <type>` lines (Anthropic framing). */
export function sseText(payloads: unknown[], opts: { named?: boolean; done?: boolean } = {}): string {
  let out = ''
  for (const p of payloads) {
    if (opts.named) out += `event: ${(p as { type: string }).type}\n`
    out += `data: ${JSON.stringify(p)}\n\n`
  }
  if (opts.done) out += 'data: [DONE]\n\n'
  return out
}

/** A ReadableStream body from strings/bytes, split into small pieces to exercise buffering. */
export function streamBody(text: string | Uint8Array, pieceSize = 17): ReadableStream<Uint8Array> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text
  let i = 0
  return new ReadableStream({
    pull(controller) {
      if (i >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(i, i + pieceSize))
      i += pieceSize
    },
  })
}

/** A body that delivers `text` then fails like a reset connection. */
export function brokenBody(text: string): ReadableStream<Uint8Array> {
  let sent = false
  return new ReadableStream({
    pull(controller) {
      if (!sent) {
        sent = true
        controller.enqueue(new TextEncoder().encode(text))
        return
      }
      controller.error(new TypeError('terminated'))
    },
  })
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}
