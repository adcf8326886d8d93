/**
 * Worker-thread side of the SQLite usage writer (sqlite-writer-thread.ts): turns call events
 * into usage rows and chained audit records and writes each batch in one transaction on its
 * own connection. Runs off the main thread so the gateway's event loop never waits for
 * SQLite, audit hashing or row building (together most of a call's metering cost).
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { CallEvent } from '../gateway/spec/v1/call-event.js'
import { callAuditRecord, usageRow } from './call-records.js'
import { SqliteBatchWriter } from './sqlite-batch-writer.js'

export interface WriteRequest {
  seq: number
  /**
   * Journal lines (`{"id":…,"e":CallEvent}`; JSON never holds a raw newline), newline-separated
   * in a few strings of regular size: as [start, end) UTF-8 byte ranges of the shared buffer
   * (sqlite-writer-thread.ts), or as the strings themselves when they did not fit.
   */
  ranges?: [number, number][]
  chunks?: string[]
  /** Per line: the row may already be in the database (replay or retry). */
  checks: boolean[]
}

export type WriteReply = { seq: number; written: number } | { seq: number; error: string }

const port = parentPort
if (port) {
  // Opened on the first batch, inside the try: an open error (say, tables not migrated yet)
  // becomes an error reply the writer retries on, and the next batch tries to open again.
  let writer: SqliteBatchWriter | undefined
  port.on('message', (m: WriteRequest | 'close') => {
    if (m === 'close') {
      writer?.close()
      port.close()
      return
    }
    try {
      const { file, macKey } = workerData as { file: string; macKey: Uint8Array }
      writer ??= new SqliteBatchWriter(file, Buffer.from(macKey))
      const { shared } = workerData as { shared: SharedArrayBuffer }
      const chunks = m.ranges
        ? m.ranges.map(([a, b]) => Buffer.from(shared, a, b - a).toString('utf8'))
        : (m.chunks ?? [])
      const lines = chunks.flatMap((c) => c.split('\n'))
      const items = lines.map((line, i) => {
        const { id, e } = JSON.parse(line) as { id: string; e: CallEvent }
        return {
          id,
          check: m.checks[i] === true,
          orgId: e.orgId,
          usage: usageRow(id, e),
          audit: callAuditRecord(id, e),
        }
      })
      port.postMessage({ seq: m.seq, written: writer.write(items) } satisfies WriteReply)
    } catch (err) {
      port.postMessage({ seq: m.seq, error: (err as Error)?.message ?? String(err) } satisfies WriteReply)
    }
  })
}
