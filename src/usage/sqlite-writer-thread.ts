/**
 * Main-thread handle of the SQLite usage writer's worker thread (sqlite-writer-worker.ts).
 * `write` posts one batch of journal lines and resolves once it is committed (or rejects
 * with the database's error, so the call writer retries exactly as before). A worker that
 * died is replaced on the next write; nothing is lost meanwhile, the journal holds the lines.
 *
 * The lines travel through a buffer shared with the worker (written as UTF-8, the message
 * carries only offsets): posting a batch as strings made the structured-clone serialiser
 * allocate hundreds of KB per batch, fresh pages and page faults each time. One batch is in
 * flight at a time (the call writer awaits each), so the buffer is reused from its start; a
 * batch that does not fit, or a second one in flight, goes as strings.
 * @module
 */
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { chunked } from './line-chunks.js'
import type { WriteReply, WriteRequest } from './sqlite-writer-worker.js'

/**
 * The worker's script. Workers cannot run TypeScript: when this module runs from source
 * (the test runner), the compiled worker in dist/ is used (tests keep dist/ current).
 */
function workerScript(): string {
  const own = fileURLToPath(import.meta.url)
  if (!own.endsWith('.ts')) return fileURLToPath(new URL('./sqlite-writer-worker.js', import.meta.url))
  return own.replace(/[\\/]src[\\/]usage[\\/][^\\/]+$/, '/dist/usage/sqlite-writer-worker.js')
}

interface Pending {
  resolve: (n: number) => void
  reject: (e: Error) => void
}

/** Room for a batch of lines (200 call events are ~170 KB). */
const SHARED_BYTES = 1024 * 1024
const encoder = new TextEncoder()

export class SqliteWriterThread {
  #file: string
  #worker: Worker | undefined
  #pending = new Map<number, Pending>()
  #seq = 0
  #shared = new SharedArrayBuffer(SHARED_BYTES)
  #view = new Uint8Array(this.#shared)
  #macKey: Buffer

  /** `macKey`: the audit chain's MAC key, handed to the worker (same process, never stored). */
  constructor(file: string, macKey: Buffer) {
    this.#file = file
    this.#macKey = macKey
  }

  /** Writes one batch (journal lines, one per event); resolves with the rows that were new. */
  write(lines: string[], checks: boolean[]): Promise<number> {
    const w = this.#ensure()
    const seq = ++this.#seq
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject })
      // Referenced while a batch is in flight (a flush must be able to wait for it), not otherwise.
      w.ref()
      const chunks = chunked(lines)
      const ranges = this.#pending.size === 1 ? this.#place(chunks) : undefined
      w.postMessage((ranges ? { seq, ranges, checks } : { seq, chunks, checks }) satisfies WriteRequest)
    })
  }

  /** Writes the chunks into the shared buffer; their [start, end) byte ranges, or undefined if they do not fit. */
  #place(chunks: string[]): [number, number][] | undefined {
    const ranges: [number, number][] = []
    let at = 0
    for (const c of chunks) {
      const { read, written } = encoder.encodeInto(c, this.#view.subarray(at))
      if (read < c.length) return undefined
      ranges.push([at, at + written])
      at += written
    }
    return ranges
  }

  async close(): Promise<void> {
    const w = this.#worker
    if (!w) return
    this.#worker = undefined
    await new Promise<void>((resolve) => {
      w.once('exit', () => resolve())
      w.ref()
      w.postMessage('close')
    })
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker
    const w = new Worker(workerScript(), {
      workerData: { file: this.#file, shared: this.#shared, macKey: this.#macKey },
    })
    w.unref()
    w.on('message', (m: WriteReply) => {
      const p = this.#pending.get(m.seq)
      if (!p) return
      this.#pending.delete(m.seq)
      if (this.#pending.size === 0) w.unref()
      if ('error' in m) p.reject(new Error(m.error))
      else p.resolve(m.written)
    })
    const fail = (raw: unknown) => {
      // Errors cross the thread boundary as clones; keep a message whatever arrived.
      const err =
        raw instanceof Error && raw.message
          ? raw
          : new Error(`usage writer thread failed: ${(raw as { code?: string })?.code ?? String(raw)}`)
      if (this.#worker === w) this.#worker = undefined
      for (const p of this.#pending.values()) p.reject(err)
      this.#pending.clear()
    }
    w.on('error', fail)
    w.on('exit', (code) => fail(new Error(`usage writer thread exited (${code})`)))
    this.#worker = w
    return w
  }
}
