/**
 * `rt.calls`: the batched background writer for call events. `emit` appends the event to
 * the local journal (one write, no database) and queues it; a background loop writes
 * batches — usage rows plus their audit records, in one transaction. On a SQLite file the
 * batch runs in a worker thread (sqlite-writer-thread.ts) with prepared statements; otherwise
 * (PostgreSQL, or the fast path off) through Kysely with multi-row inserts, in small batches
 * (default 200 rows) with a yield to the event loop between them.
 *
 * Database slow: the queue grows to its bound, then events stay in the journal only and are
 * read back when the queue drains. Database down: the batch is retried with backoff, marked
 * for an existence check so that a commit whose acknowledgement was lost is not written
 * twice. Nothing is acknowledged to a caller by this writer, so nothing waits on it.
 * @module
 */

import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { appendToChain, type NewAuditRecord } from '../audit/chain.js'
import type { ChainMac } from '../audit/chain-mac.js'
import type { DbHandle } from '../db/database.js'
import type { CallEvent, CallEventSink } from '../gateway/spec/v1/call-event.js'
import { newId } from '../identity/secrets.js'
import { callAuditRecord, usageRow } from './call-records.js'
import { eventOf, Journal, type JournalItem, journalLine, type Segment } from './journal.js'
import type { SharedJournal } from './shared-journal.js'
import { SqliteWriterThread } from './sqlite-writer-thread.js'

export interface CallWriterOptions {
  /** Rows per transaction. */
  batchSize?: number
  /** In-memory queue bound; beyond it events are read back from the journal later. */
  queueMax?: number
  /** How long a lone event may wait for companions before a flush. */
  flushDelayMs?: number
  /** Longest wait between retries while the database fails. */
  maxBackoffMs?: number
  /** How long `close` keeps trying to flush before leaving the rest in the journal. */
  closeTimeoutMs?: number
  segmentBytes?: number
  /** SQLite: write with prepared statements on a second connection (default true). */
  sqliteFastPath?: boolean
  /** Observer for each emitted event (metrics, traces). Must not throw. */
  observe?: (e: CallEvent) => void
  /**
   * A copy of the journal every instance can reach (usage/shared-journal.ts): a call is
   * answered only once it is stored there too, and survivors adopt a dead writer's entries.
   */
  shared?: SharedJournal
  /** How often to look for dead writers' shared entries. */
  adoptEveryMs?: number
}

/** Placeholder segment of an event not yet journaled (replaced in #journalNow). */
const UNWRITTEN: Segment = Object.freeze({ path: '', total: 0, loaded: 0, done: 0, bytes: 0 })

/** usage_records has 34 columns: 500 rows = 17,000 parameters (SQLite allows 32,766). */
const MAX_ROWS_PER_INSERT = 500

export class CallWriter implements CallEventSink {
  readonly journal: Journal
  #db: DbHandle
  #mac: ChainMac
  #log: Logger
  #queue: JournalItem[] = []
  /** Emitted this turn, not yet in the journal (see #journalNow); their segment is set there. */
  #unjournaled: JournalItem[] = []
  #journalTurn: { promise: Promise<void>; resolve: () => void } | undefined
  #batch: number
  #queueMax: number
  #delay: number
  #maxBackoff: number
  #closeTimeout: number
  #observe: ((e: CallEvent) => void) | undefined
  #useFastPath: boolean
  #shared: SharedJournal | undefined
  #adoptEvery: number
  #sharedTimer: NodeJS.Timeout | undefined
  #sharedWrites = new Set<Promise<void>>()
  #timer: NodeJS.Timeout | undefined
  #adoptTimer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #failures = 0
  #retryAt = 0
  #closing = false
  #written = 0
  /** Total write failures, for metrics. */
  errors = 0

  /** `mac`: the audit chain's key (audit/chain-mac.ts); every call record is MACed with it. */
  constructor(
    db: DbHandle,
    logger: Logger,
    journalRoot: string,
    mac: ChainMac,
    opts: CallWriterOptions = {},
  ) {
    this.#db = db
    this.#mac = mac
    this.#log = logger
    // 200 rows take a few milliseconds on SQLite (in the writer thread; on the event loop for the
    // Kysely path); larger batches gain little.
    this.#batch = Math.min(opts.batchSize ?? 200, MAX_ROWS_PER_INSERT)
    // About 2–4 KB per event (the object and its journal line): 10,000 queued is ~30 MB; beyond
    // that the journal holds them.
    this.#queueMax = opts.queueMax ?? 10_000
    // Fewer, larger transactions cost less per row (commit, chain head, WAL frames) than many
    // tiny ones; a tenth of a second is invisible to anyone reading usage.
    this.#delay = opts.flushDelayMs ?? 100
    this.#maxBackoff = opts.maxBackoffMs ?? 5000
    this.#closeTimeout = opts.closeTimeoutMs ?? 15_000
    this.#observe = opts.observe
    this.#useFastPath = opts.sqliteFastPath ?? true
    this.#shared = opts.shared
    this.#adoptEvery = opts.adoptEveryMs ?? 5_000
    this.journal = new Journal(journalRoot, newId('wr'), {
      segmentBytes: opts.segmentBytes,
      onWarn: (msg, extra) => logger.warn(extra ?? {}, msg),
    })
  }

  start(): void {
    this.journal.open()
    if (this.journal.unloaded > 0) this.#schedule(0)
    this.#adoptTimer = setInterval(() => {
      try {
        if (this.journal.adoptOrphans() > 0) this.#schedule(0)
      } catch (err) {
        this.#log.warn({ err: errText(err) }, 'journal adoption check failed')
      }
    }, 60_000)
    this.#adoptTimer.unref()
    if (this.#shared) {
      const shared = this.#shared
      void shared.start().then(() => this.#adoptShared())
      this.#sharedTimer = setInterval(() => void this.#adoptShared(), this.#adoptEvery)
      this.#sharedTimer.unref()
    }
  }

  #adopting = false

  /** Takes over the shared entries of writers that died; they are written like our own. */
  async #adoptShared(): Promise<void> {
    if (!this.#shared || this.#adopting || this.#closing) return
    this.#adopting = true
    try {
      const entries = await this.#shared.adopt()
      let n = 0
      for (const { id, line } of entries) {
        let event: CallEvent
        try {
          event = (JSON.parse(line) as { e: CallEvent }).e
        } catch {
          continue
        }
        // May already be in the database (the dead writer committed it just before dying).
        this.#unjournaled.push({ id, event, seg: UNWRITTEN, check: true, line })
        n++
      }
      if (n > 0) {
        this.#log.warn({ events: n }, 'adopted the shared journal of a stopped instance')
        this.#turn()
      }
    } catch (err) {
      this.#log.warn({ err: errText(err) }, 'shared journal adoption failed')
    } finally {
      this.#adopting = false
    }
  }

  /** Never throws and never touches the database. */
  emit(event: CallEvent): void {
    if (this.#closing) {
      this.#log.error({ requestId: event.requestId }, 'call event after writer close: journaled only')
    }
    const id = eventId()
    const line = journalLine(id, event)
    // Kept as an object only for the Kysely path; the SQLite writer thread needs the line only.
    const kept = this.#sqliteFast() ? undefined : event
    this.#unjournaled.push({ id, event: kept, seg: UNWRITTEN, check: false, line })
    this.#turn()
    try {
      this.#observe?.(event)
    } catch {
      // Metrics must never break metering.
    }
  }

  /** Schedules the journal write at the end of this event-loop turn (once per turn). */
  #turn(): void {
    if (this.#journalTurn) return
    let resolve!: () => void
    const promise = new Promise<void>((r) => {
      resolve = r
    })
    this.#journalTurn = { promise, resolve }
    setImmediate(this.#journalNow)
  }

  /**
   * Resolves once every event emitted so far is in the journal; undefined when nothing waits.
   * The gateway answers a call only after this, so an answered call is always journaled.
   */
  settled(): Promise<void> | undefined {
    return this.#journalTurn?.promise
  }

  /**
   * Group commit: the events of one event-loop turn go to the journal in one write(2), at the
   * end of the turn (setImmediate), then to the memory queue. Under load that is one write for
   * many calls instead of one each — and each write also costs the filesystem a journal
   * handle, which the usage writer's SQLite commits contend for.
   */
  #journalNow = (): void => {
    const turn = this.#journalTurn
    this.#journalTurn = undefined
    const items = this.#unjournaled
    if (items.length > 0) {
      this.#unjournaled = []
      let queued = 0
      if (!this.#closing && this.journal.unloaded === 0) {
        queued = Math.min(items.length, Math.max(0, this.#queueMax - this.#queue.length))
      }
      try {
        const seg = this.journal.append(
          items.map((i) => i.line),
          queued,
        )
        for (let i = 0; i < queued; i++) {
          const it = items[i]!
          it.seg = seg
          this.#queue.push(it)
        }
      } catch (err) {
        this.#log.error({ err }, 'journal append failed: call events kept in memory only')
        const seg = { path: '', total: items.length, loaded: items.length, done: 0, bytes: 0 }
        const room = Math.max(0, this.#queueMax - this.#queue.length)
        for (const it of items.slice(0, room)) {
          it.seg = seg
          this.#queue.push(it)
        }
      }
      if (!this.#closing) this.#schedule(this.#queue.length >= this.#batch ? 0 : this.#delay)
      if (this.#shared) {
        // Answered only once every instance could reach the event (or storing it failed).
        const write: Promise<void> = this.#shared
          .append(items.map((i) => ({ id: i.id, line: i.line })))
          .finally(() => {
            this.#sharedWrites.delete(write)
            turn?.resolve()
          })
        this.#sharedWrites.add(write)
        return
      }
    }
    turn?.resolve()
  }

  #fast: SqliteWriterThread | null | undefined

  /**
   * The prepared-statement path on a file-backed SQLite database (not for :memory:), in a
   * worker thread: row building, audit hashing and the SQLite transaction leave the event loop.
   */
  #sqliteFast(): SqliteWriterThread | null {
    if (this.#fast === undefined) {
      const file = this.#db.dialect === 'sqlite' ? this.#db.file : undefined
      this.#fast =
        file && file !== ':memory:' && this.#useFastPath
          ? new SqliteWriterThread(file, this.#mac.exportKey())
          : null
    }
    return this.#fast
  }

  /** Events waiting for the database (memory + journal-only + not yet journaled). */
  get depth(): number {
    return this.#queue.length + this.journal.unloaded + this.#unjournaled.length
  }

  get written(): number {
    return this.#written
  }

  /** Resolves when everything emitted so far is in the database (tests, shutdown). */
  async flush(timeoutMs = 30_000): Promise<boolean> {
    this.#journalNow()
    const deadline = Date.now() + timeoutMs
    while (this.depth > 0 && Date.now() < deadline) {
      const wait = this.#retryAt - Date.now()
      if (wait > 0) await delay(Math.min(wait, deadline - Date.now()))
      else await this.#kick()
    }
    await this.journal.idle()
    return this.depth === 0
  }

  async close(): Promise<void> {
    this.#closing = true
    if (this.#timer) clearTimeout(this.#timer)
    if (this.#adoptTimer) clearInterval(this.#adoptTimer)
    if (this.#sharedTimer) clearInterval(this.#sharedTimer)
    const ok = await this.flush(this.#closeTimeout)
    this.#journalNow()
    await Promise.all([...this.#sharedWrites])
    if (!ok)
      this.#log.warn({ pending: this.depth }, 'database unavailable at shutdown: events stay in the journal')
    await this.#shared?.close(ok && this.depth === 0)
    this.journal.close()
    await this.#fast?.close()
  }

  #schedule(ms: number): void {
    if (this.#running || (this.#timer && ms > 0)) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#kick()
    }, ms)
    this.#timer.unref()
  }

  /** Runs one drain (or joins the running one); reschedules itself while work is left. */
  #kick(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#drain().finally(() => {
        this.#running = undefined
        if (this.depth > 0 && !this.#closing)
          this.#schedule(Math.max(this.#delay, this.#retryAt - Date.now()))
      })
    }
    return this.#running
  }

  /** Writes batches until the queue and journal are empty, or until a write fails. */
  async #drain(): Promise<void> {
    for (;;) {
      if (this.#queue.length < this.#batch && this.journal.unloaded > 0) {
        // A couple of batches at a time: reading back holds the event loop (parse per line).
        const room = Math.min(2 * this.#batch, Math.max(this.#batch, this.#queueMax - this.#queue.length))
        this.#queue.push(...this.journal.loadPending(room))
      }
      if (this.#queue.length === 0) return
      const batch = this.#queue.slice(0, this.#batch)
      try {
        await this.#write(batch)
      } catch (err) {
        this.errors += 1
        this.#failures += 1
        for (const it of batch) it.check = true
        this.#retryAt = Date.now() + Math.min(this.#maxBackoff, 50 * 2 ** Math.min(this.#failures, 10))
        if (this.#failures === 1 || this.#failures % 20 === 0) {
          const pending = this.depth
          this.#log.warn(
            { err: errText(err), failures: this.#failures, pending },
            'usage write failed; journaled, will retry',
          )
        }
        return
      }
      // In place (a pointer move in native code), not a fresh copy of the rest per batch.
      this.#queue.splice(0, batch.length)
      this.journal.commit(batch.filter((i) => i.seg.path !== ''))
      this.#shared?.remove(batch.map((i) => i.id))
      this.#written += batch.length
      if (this.#failures > 0) this.#log.info({ after: this.#failures }, 'usage writer recovered')
      this.#failures = 0
      this.#retryAt = 0
      // Let requests run between batches: each batch holds the event loop while SQLite writes.
      await new Promise<void>((r) => setImmediate(r))
    }
  }

  async #write(batch: JournalItem[]): Promise<void> {
    const fast = this.#sqliteFast()
    if (fast) {
      const lines = batch.map((i) => i.line)
      const checks = batch.map((i) => i.check)
      // Holding the main connection: no transaction of ours is open on it meanwhile.
      await this.#db.db.connection().execute(async () => {
        await fast.write(lines, checks)
      })
      return
    }
    await this.#db.db.transaction().execute(async (trx) => {
      let items = batch
      const maybe = batch.filter((i) => i.check).map((i) => i.id)
      if (maybe.length > 0) {
        const present = new Set(
          (await trx.selectFrom('usage_records').select('id').where('id', 'in', maybe).execute()).map(
            (r) => r.id,
          ),
        )
        items = batch.filter((i) => !present.has(i.id))
      }
      if (items.length === 0) return
      const events = items.map(eventOf)
      await trx
        .insertInto('usage_records')
        .values(items.map((i, n) => usageRow(i.id, events[n]!)))
        .execute()
      const byOrg = new Map<string, NewAuditRecord[]>()
      for (let n = 0; n < items.length; n++) {
        const e = events[n]!
        const list = byOrg.get(e.orgId) ?? []
        list.push(callAuditRecord(items[n]!.id, e))
        byOrg.set(e.orgId, list)
      }
      // A fixed org order: two instances locking several chain heads never deadlock.
      for (const org of [...byOrg.keys()].sort()) await appendToChain(trx, org, byOrg.get(org)!, this.#mac)
    })
  }
}

/**
 * Usage record ids: time, a random per-process part and a counter. Unique across processes
 * and restarts without a random draw per call (this runs once per request).
 */
const INSTANCE = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x')
let counter = 0
function eventId(): string {
  counter = (counter + 1) % 2_000_000_000
  return `use_${Date.now().toString(36)}${INSTANCE}${counter.toString(36)}`
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)))

function errText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err).slice(0, 200)
}
