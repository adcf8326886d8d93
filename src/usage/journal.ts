/**
 * The writer's append-only local journal: every call event is appended here (one JSON line)
 * before it is queued for the database, so a process killed at any point — even with
 * `kill -9` mid-flush — loses nothing: the next start replays what the database does not
 * have yet. The writer appends the events of one event-loop turn with one write(2) (group
 * commit, call-writer.ts), before any of their calls is answered. Lines are in the kernel's page cache once written (a process crash
 * keeps them; a power loss may drop the last ones: segments are fsynced on rotation only).
 *
 * Layout: LATCHKEY_HOME/journal/<instance>/<n>.jsonl, plus an `owner` file holding the pid.
 * A directory whose owner is dead belongs to a crashed process; the next start adopts its
 * segments. A segment is deleted once every line in it is committed to the database.
 * @module
 */
import fs from 'node:fs'
import path from 'node:path'
import type { CallEvent } from '../gateway/spec/v1/call-event.js'
import { chunked } from './line-chunks.js'

export interface Segment {
  path: string
  /** Lines in the file. */
  total: number
  /** Lines handed to the writer's memory queue (a prefix of the file). */
  loaded: number
  /** Lines committed to the database (a prefix of `loaded`). */
  done: number
  bytes: number
  /** Byte offset of the first line not loaded yet, once known (set when lines spill). */
  readFrom?: number
}

export interface JournalItem {
  id: string
  /**
   * The event as an object, when the writer needs one (the Kysely path); the SQLite writer
   * thread is sent `line` only, and holding the object too while a batch waits would carry it
   * into the old generation (see `eventOf`).
   */
  event?: CallEvent
  seg: Segment
  /** True when the row may already be in the database (replayed or retried after an error). */
  check: boolean
  /** The journal line of this event (what the SQLite writer thread is sent). */
  line: string
}

/** The item's event: the object when kept, else read back from its journal line. */
export function eventOf(item: JournalItem): CallEvent {
  return item.event ?? (JSON.parse(item.line) as { e: CallEvent }).e
}

/** One journal line: `{"id":…,"e":CallEvent}`. */
export function journalLine(id: string, event: CallEvent): string {
  return JSON.stringify({ id, e: event })
}

export interface JournalOptions {
  /** Rotate the active segment past this many bytes. */
  segmentBytes?: number
  /** Read spilled lines back this many bytes at a time (grows for a longer line). */
  readBytes?: number
  onWarn?: (msg: string, extra?: Record<string, unknown>) => void
}

export class Journal {
  readonly dir: string
  #root: string
  #segments: Segment[] = []
  #removing = new Set<Promise<void>>()
  #active: Segment | undefined
  #fd: number | undefined
  #n = 0
  #segmentBytes: number
  #readBytes: number
  #warn: (msg: string, extra?: Record<string, unknown>) => void

  constructor(root: string, instanceId: string, opts: JournalOptions = {}) {
    this.#root = root
    this.dir = path.join(root, instanceId)
    this.#segmentBytes = opts.segmentBytes ?? 8 * 1024 * 1024
    this.#readBytes = opts.readBytes ?? 1024 * 1024
    this.#warn = opts.onWarn ?? (() => {})
  }

  /** Creates this instance's directory and adopts segments left by dead processes. */
  open(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    fs.writeFileSync(path.join(this.dir, 'owner'), String(process.pid), { mode: 0o600 })
    this.adoptOrphans()
    this.#rotate()
  }

  /**
   * Adopts the journals of processes that died (at start, and periodically: another instance
   * on this host may crash while we run). Returns how many segments were taken over.
   */
  adoptOrphans(): number {
    let n = 0
    for (const name of fs.readdirSync(this.#root).sort()) {
      const dir = path.join(this.#root, name)
      try {
        if (dir === this.dir || !fs.statSync(dir).isDirectory() || ownerAlive(dir)) continue
        n += this.#adopt(dir)
      } catch (err) {
        // Another live instance adopted it first (rename raced): theirs now.
        this.#warn('journal adoption skipped', { from: dir, reason: (err as Error).message })
      }
    }
    return n
  }

  /**
   * Appends events' lines (journalLine) with one write(2) per ~48 KB. The first `queued` of them are the
   * writer's to keep in memory too (loaded lines are always a prefix of a segment).
   */
  append(lines: string[], queued: number): Segment {
    if (this.#fd === undefined || !this.#active) throw new Error('journal is not open')
    const seg = this.#active
    // Counted chunk by chunk: a failed write leaves the counts true to what the file holds.
    let written = 0
    for (const chunk of chunked(lines)) {
      const n = countLines(chunk)
      if (seg.readFrom === undefined && written + n > queued) {
        // The segment's first spilled line: remember where it starts, so reading it back later
        // starts there instead of at the top of an 8 MiB file.
        let at = seg.bytes
        for (let i = written; i < Math.max(queued, written); i++) at += Buffer.byteLength(lines[i]!) + 1
        seg.readFrom = at
      }
      seg.bytes += fs.writeSync(this.#fd, `${chunk}\n`)
      seg.total += n
      seg.loaded += Math.max(0, Math.min(n, queued - written))
      written += n
    }
    if (seg.bytes >= this.#segmentBytes) this.#rotate()
    return seg
  }

  /** Resolves once the removals of committed segments started so far are done. */
  async idle(): Promise<void> {
    await Promise.all([...this.#removing])
  }

  /** Lines written but not yet handed to memory (the writer spilled, or left by a crash). */
  get unloaded(): number {
    let n = 0
    for (const s of this.#segments) n += s.total - s.loaded
    return n
  }

  get bytes(): number {
    let n = 0
    for (const s of this.#segments) n += s.bytes
    return n
  }

  /**
   * Reads up to `max` not-yet-loaded lines, oldest first, from where the last read stopped (a
   * megabyte at a time: never a whole segment on the event loop).
   */
  loadPending(max: number): JournalItem[] {
    const out: JournalItem[] = []
    for (const seg of this.#segments) {
      if (out.length >= max) break
      if (seg.loaded >= seg.total) continue
      this.#readBack(seg, (line) => {
        seg.loaded += 1
        const item = parseLine(line)
        if (item) out.push({ ...item, seg, check: true, line })
        else {
          // Unreadable line (a write cut short by a crash): count it as handled.
          seg.done += 1
          this.#warn('journal line unreadable, skipped', { segment: seg.path })
        }
        return out.length < max
      })
    }
    return out
  }

  /** Hands `take` the segment's unloaded lines in order until it returns false or none are left. */
  #readBack(seg: Segment, take: (line: string) => boolean): void {
    const fd = fs.openSync(seg.path, 'r')
    try {
      let pos = seg.readFrom ?? 0
      let skip = seg.readFrom === undefined ? seg.loaded : 0
      let buf = Buffer.allocUnsafe(this.#readBytes)
      let more = true
      while (more && seg.loaded < seg.total) {
        const n = fs.readSync(fd, buf, 0, buf.length, pos)
        if (n === 0) break
        let start = 0
        for (;;) {
          const nl = buf.indexOf(10, start)
          const end = nl !== -1 && nl < n ? nl : n < buf.length && start < n ? n : -1
          // -1: the line continues past what was read (read on) or nothing is left.
          if (end === -1) break
          const line = buf.toString('utf8', start, end)
          start = end === n ? n : end + 1
          if (skip > 0) skip--
          else if (!take(line) || seg.loaded >= seg.total) {
            more = false
            break
          }
          if (start >= n) break
        }
        if (start === 0) {
          // One line longer than the buffer: read it again with room for it.
          buf = Buffer.allocUnsafe(buf.length * 2)
          continue
        }
        pos += start
        if (n < buf.length && start >= n) break
      }
      seg.readFrom = pos
    } finally {
      fs.closeSync(fd)
    }
  }

  /** Marks items committed; deletes segments whose every line is in the database. */
  commit(items: JournalItem[]): void {
    for (const it of items) it.seg.done += 1
    while (this.#segments.length > 0) {
      const seg = this.#segments[0]!
      if (seg === this.#active || seg.done < seg.total) break
      this.#segments.shift()
      // On the thread pool: unlinking a segment frees megabytes of page cache inside the
      // syscall, tens of milliseconds the event loop would otherwise stand still.
      const gone = fs.promises
        .rm(seg.path, { force: true })
        .catch(() => {})
        .finally(() => this.#removing.delete(gone))
      this.#removing.add(gone)
    }
  }

  /** Closes the active segment; removes this instance's directory when nothing is pending. */
  close(): void {
    if (this.#fd !== undefined) {
      fs.fsyncSync(this.#fd)
      fs.closeSync(this.#fd)
      this.#fd = undefined
    }
    const pending = this.#segments.some((s) => s.done < s.total)
    if (!pending) fs.rmSync(this.dir, { recursive: true, force: true })
    else fs.rmSync(path.join(this.dir, 'owner'), { force: true })
  }

  #rotate(): void {
    if (this.#fd !== undefined) {
      // On the thread pool, not the event loop: an fsync can take milliseconds, and the lines
      // are in the page cache already (the fsync guards against power loss only).
      const done = this.#fd
      fs.fsync(done, () => fs.close(done, () => {}))
    }
    const prev = this.#active
    const file = path.join(this.dir, `${String(++this.#n).padStart(6, '0')}.jsonl`)
    this.#fd = fs.openSync(file, 'a', 0o600)
    this.#active = { path: file, total: 0, loaded: 0, done: 0, bytes: 0 }
    this.#segments.push(this.#active)
    if (prev && prev.done >= prev.total) this.commit([])
  }

  /** Moves a dead process's segments into our directory (rename is atomic) and queues them. */
  #adopt(dir: string): number {
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
    const adopted: Segment[] = []
    for (const f of files) {
      const target = path.join(this.dir, `a-${path.basename(dir)}-${f}`)
      fs.renameSync(path.join(dir, f), target)
      const lines = readLines(target)
      const bytes = fs.statSync(target).size
      adopted.push({ path: target, total: lines.length, loaded: 0, done: 0, bytes, readFrom: 0 })
    }
    // Before the active segment, so they are deleted as soon as they are written.
    const at = this.#active ? this.#segments.indexOf(this.#active) : -1
    this.#segments.splice(at < 0 ? this.#segments.length : at, 0, ...adopted)
    fs.rmSync(dir, { recursive: true, force: true })
    if (files.length)
      this.#warn('adopted journal of a stopped process', { from: dir, segments: files.length })
    return adopted.length
  }
}

function countLines(joined: string): number {
  let n = 1
  for (let i = joined.indexOf('\n'); i !== -1; i = joined.indexOf('\n', i + 1)) n++
  return n
}

function readLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8')
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

function parseLine(line: string): { id: string; event: CallEvent } | null {
  try {
    const v = JSON.parse(line) as { id?: unknown; e?: unknown }
    if (typeof v.id !== 'string' || !v.e || typeof v.e !== 'object') return null
    return { id: v.id, event: v.e as CallEvent }
  } catch {
    return null
  }
}

function ownerAlive(dir: string): boolean {
  let pid: number
  try {
    pid = Number(fs.readFileSync(path.join(dir, 'owner'), 'utf8'))
  } catch {
    return false
  }
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
