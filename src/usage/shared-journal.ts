/**
 * The usage journal's copy where every instance can reach it (Redis), so a call answered by
 * an instance that then dies — `kill -9`, a node lost with its ephemeral disk — is still
 * metered: a surviving instance adopts the dead one's entries and writes them.
 *
 * Each writer keeps a hash `latchkey:jr:<deployment>:<instance>` of the events not yet in the database
 * (id → journal line; written in the same event-loop turn as the local journal, before the
 * call is answered; deleted once committed), and a heartbeat key renewed every few seconds.
 * Every writer checks now and then for writers whose heartbeat expired and moves their
 * entries into its own hash with one Lua script (atomic: exactly one survivor gets them),
 * then writes them like its own, with the existence check that makes replays idempotent
 * (usage_records.id is the primary key; the audit records are in the same transaction).
 * @module
 */
import type { Redis } from 'ioredis'

export interface SharedEntry {
  id: string
  line: string
}

export interface SharedJournal {
  /** Resolves once the entries are stored (or storing them failed: the local journal still has them). */
  append(entries: SharedEntry[]): Promise<void>
  /** Forgets committed entries (fire and forget). */
  remove(ids: string[]): void
  /** Moves the entries of writers that stopped renewing their heartbeat into ours. */
  adopt(): Promise<SharedEntry[]>
  start(): Promise<void>
  /** `clean`: nothing pending (the hash is dropped); otherwise it stays for a survivor to adopt. */
  close(clean: boolean): Promise<void>
}

/** Field/value pairs moved per HSET: Lua's unpack has a stack limit. */
const MOVE_SCRIPT = `
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2000 do
  redis.call('HSET', KEYS[2], unpack(all, i, math.min(i + 1999, #all)))
end
redis.call('DEL', KEYS[1])
return all
`

export interface RedisJournalOptions {
  /** Namespace of the installation (state/deployment.ts): only its own instances adopt. */
  deployment?: string
  /** A writer is dead when its heartbeat is older than this. */
  heartbeatTtlMs?: number
  onError?: (msg: string, reason: string) => void
}

export class RedisSharedJournal implements SharedJournal {
  readonly #prefix: string
  readonly #writers: string
  readonly #hash: string
  readonly #alive: string
  readonly #ttl: number
  #timer: NodeJS.Timeout | undefined
  #warn: (msg: string, reason: string) => void

  constructor(
    private readonly redis: Redis,
    private readonly instanceId: string,
    o: RedisJournalOptions = {},
  ) {
    this.#prefix = `latchkey:jr:${o.deployment ?? 'default'}:`
    this.#writers = `${this.#prefix}writers`
    this.#hash = `${this.#prefix}${instanceId}`
    this.#alive = `${this.#prefix}alive:${instanceId}`
    this.#ttl = o.heartbeatTtlMs ?? 15_000
    this.#warn = o.onError ?? (() => {})
  }

  async start(): Promise<void> {
    await this.#beat()
    this.#timer = setInterval(() => void this.#beat(), Math.max(100, Math.floor(this.#ttl / 3)))
    this.#timer.unref()
  }

  async #beat(): Promise<void> {
    await this.redis
      .multi()
      .set(this.#alive, '1', 'PX', this.#ttl)
      .sadd(this.#writers, this.instanceId)
      .exec()
      .catch((err: Error) => this.#warn('shared journal heartbeat failed', err.message))
  }

  async append(entries: SharedEntry[]): Promise<void> {
    if (entries.length === 0) return
    const args: string[] = []
    for (const e of entries) args.push(e.id, e.line)
    try {
      await this.redis.hset(this.#hash, ...args)
    } catch (err) {
      this.#warn('shared journal write failed: events kept in the local journal only', (err as Error).message)
    }
  }

  remove(ids: string[]): void {
    if (ids.length === 0) return
    this.redis
      .hdel(this.#hash, ...ids)
      .catch((err: Error) => this.#warn('shared journal cleanup failed', err.message))
  }

  async adopt(): Promise<SharedEntry[]> {
    const out: SharedEntry[] = []
    const writers = await this.redis.smembers(this.#writers)
    for (const w of writers) {
      if (w === this.instanceId) continue
      if ((await this.redis.exists(`${this.#prefix}alive:${w}`)) === 1) continue
      const moved = (await this.redis.eval(MOVE_SCRIPT, 2, `${this.#prefix}${w}`, this.#hash)) as string[]
      await this.redis.srem(this.#writers, w)
      for (let i = 0; i + 1 < moved.length; i += 2) out.push({ id: moved[i]!, line: moved[i + 1]! })
    }
    return out
  }

  /** Test hook simulating a crash: heartbeats stop, nothing is cleaned up (as after kill -9). */
  halt(): void {
    if (this.#timer) clearInterval(this.#timer)
  }

  async close(clean: boolean): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    try {
      if (clean)
        await this.redis.multi().del(this.#hash).del(this.#alive).srem(this.#writers, this.instanceId).exec()
      // Left for a survivor: it adopts the entries as soon as the heartbeat is gone.
      else await this.redis.del(this.#alive)
    } catch (err) {
      this.#warn('shared journal close failed', (err as Error).message)
    }
  }
}
