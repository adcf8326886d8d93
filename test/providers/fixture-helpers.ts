/**
 * Fixture loading for provider tests: `<case>.json` (non-stream bodies) and `<case>.chunks.txt`
 * (one stream payload per line, as in vercel/ai), plus builders for SSE response bodies, stream
 * fixtures replayed into Anthropic events, and error fixtures mapped to the caller's error.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type AnthropicEvent,
  AnthropicEventWriter,
} from '../../src/providers/anthropic/anthropic-event-writer.js'
import { upstreamError } from '../../src/providers/http/upstream-error.js'
import type { ChatCompletionChunk } from '../../src/providers/translate/openai-chat.js'
import type { OpenAICompatQuirks } from '../../src/providers/translate/openai-compat-quirks.js'

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

/**
 * A kind's stream fixture (`<fixture>.chunks.txt` in the folder named by `quirks.kind`) through
 * its quirks' stream normaliser into an AnthropicEventWriter: the normalised chunks, and the
 * events a /v1/messages caller gets for `model`.
 */
export function replayStream(
  quirks: OpenAICompatQuirks,
  fixture: string,
  model: string,
): { chunks: ChatCompletionChunk[]; events: AnthropicEvent[] } {
  const norm = quirks.createStreamNormalizer?.() ?? ((c: ChatCompletionChunk) => c)
  const w = new AnthropicEventWriter(model, 'msg_1')
  const chunks = loadChunks<ChatCompletionChunk>(quirks.kind, fixture).map(norm)
  return { chunks, events: [...chunks.flatMap((c) => w.push(c)), ...w.end()] }
}

const blockType = (e: AnthropicEvent) => (e.data.content_block as { type?: string } | undefined)?.type
const deltaType = (e: AnthropicEvent) =>
  e.event === 'content_block_delta' ? (e.data.delta as { type?: string } | undefined)?.type : undefined
const label = (event: string, type: string | undefined) => (type ? `${event}:${type}` : event)

/** Event names, with the block type on content_block_start (`content_block_start:text`). */
export function eventNames(events: AnthropicEvent[]): string[] {
  return events.map((e) => label(e.event, blockType(e)))
}

/** eventNames, plus the delta type on content_block_delta (`content_block_delta:text_delta`). */
export function eventKinds(events: AnthropicEvent[]): string[] {
  return events.map((e) => label(e.event, blockType(e) ?? deltaType(e)))
}

/** Text, thinking and tool-input JSON reassembled from the deltas. */
export function assemble(events: AnthropicEvent[]): { text: string; thinking: string; json: string } {
  let text = ''
  let thinking = ''
  let json = ''
  for (const e of events) {
    const d = e.data.delta as Record<string, string> | undefined
    if (e.event !== 'content_block_delta' || !d) continue
    if (d.type === 'text_delta') text += d.text
    if (d.type === 'thinking_delta') thinking += d.thinking
    if (d.type === 'input_json_delta') json += d.partial_json
  }
  return { text, thinking, json }
}

/**
 * Maps a kind's error fixture (`<fixture>.json`) answered with `status` (and `headers`) to the
 * error the caller gets, as through a credential named `credential` holding `secrets`.
 */
export function fixtureErrorMapper(provider: string, opts: { credential: string; secrets?: string[] }) {
  return (fixture: string, status: number, headers: Record<string, string> = {}) =>
    upstreamError({
      provider,
      credential: opts.credential,
      status,
      body: JSON.stringify(loadJson(provider, fixture)),
      headers: new Headers(headers),
      secrets: opts.secrets,
    })
}
