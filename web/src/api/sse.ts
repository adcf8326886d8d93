/**
 * Server-sent events over fetch (EventSource cannot POST or send headers). The parser is a
 * pure function over text chunks so it is unit-tested without a browser.
 * @module
 */
import { request } from './client.js'

export interface SseEvent {
  event: string
  data: string
  id?: string
}

/** Incremental SSE parser: feed chunks, get complete events; keeps the partial tail. */
export class SseParser {
  private buf = ''
  private data: string[] = []
  private event = ''
  private id: string | undefined

  push(chunk: string): SseEvent[] {
    this.buf += chunk
    const out: SseEvent[] = []
    let nl = this.buf.search(/\r\n|\r|\n/)
    while (nl >= 0) {
      const line = this.buf.slice(0, nl)
      const sepLen = this.buf.startsWith('\r\n', nl) ? 2 : 1
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (this.buf[nl] === '\r' && sepLen === 1 && nl === this.buf.length - 1) break
      this.buf = this.buf.slice(nl + sepLen)
      this.line(line, out)
      nl = this.buf.search(/\r\n|\r|\n/)
    }
    return out
  }

  /** Flushes an event left without its closing blank line when the stream ends. */
  end(): SseEvent[] {
    const out: SseEvent[] = []
    if (this.buf) this.line(this.buf, out)
    this.buf = ''
    this.line('', out)
    return out
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id })
      }
      this.data = []
      this.event = ''
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.data.push(value)
    else if (field === 'event') this.event = value
    else if (field === 'id') this.id = value
  }
}

/** Yields the SSE events of a response body until it ends. */
export async function* readSse(res: Response): AsyncGenerator<SseEvent> {
  if (!res.body) return
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  const parser = new SseParser()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      for (const ev of parser.push(value)) yield ev
    }
    for (const ev of parser.end()) yield ev
  } finally {
    reader.releaseLock()
  }
}

/** POSTs JSON and yields SSE events until the stream ends or `signal` aborts. */
export async function* postSse(path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  yield* readSse(await request('POST', path, body, { signal }))
}
