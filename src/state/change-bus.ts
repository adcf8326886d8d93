/**
 * Cache invalidation across instances. `publish(topic)` bumps the topic's version row and
 * tells local subscribers at once; other instances learn it through Redis pub/sub when
 * configured, and in any case by polling the version rows (one small query per interval per
 * instance, never per request).
 * @module
 */

import type { Redis } from 'ioredis'
import { sql } from 'kysely'
import type { DbHandle } from '../db/database.js'

export type Topic = 'auth' | 'credentials' | 'routes' | 'settings' | 'budgets' | 'prices' | (string & {})

type Listener = () => void

const CHANNEL = 'latchkey:changes'

export class ChangeBus {
  #listeners = new Map<string, Set<Listener>>()
  #versions = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #polling = false
  #primed = false
  #db: DbHandle
  #pub: Redis | undefined
  #sub: Redis | undefined
  #instance = Math.random().toString(36).slice(2)
  readonly pollMs: number

  constructor(db: DbHandle, opts: { pollMs?: number; pub?: Redis; sub?: Redis } = {}) {
    this.#db = db
    this.pollMs = opts.pollMs ?? 500
    this.#pub = opts.pub
    this.#sub = opts.sub
  }

  subscribe(topic: Topic, fn: Listener): () => void {
    let set = this.#listeners.get(topic)
    if (!set) {
      set = new Set()
      this.#listeners.set(topic, set)
    }
    set.add(fn)
    return () => set.delete(fn)
  }

  /** Call after the change has committed. */
  async publish(topic: Topic): Promise<void> {
    this.#fire(topic)
    await this.#db.db
      .insertInto('state_versions')
      .values({ key: topic, version: 1 })
      .onConflict((oc) => oc.column('key').doUpdateSet({ version: sql`state_versions.version + 1` }))
      .execute()
    const row = await this.#db.db
      .selectFrom('state_versions')
      .select('version')
      .where('key', '=', topic)
      .executeTakeFirst()
    if (row) this.#versions.set(topic, Number(row.version))
    if (this.#pub) await this.#pub.publish(CHANNEL, `${this.#instance} ${topic}`).catch(() => {})
  }

  async start(): Promise<void> {
    await this.poll()
    if (this.#sub) {
      await this.#sub.subscribe(CHANNEL).catch(() => {})
      this.#sub.on('message', (_ch: string, msg: string) => {
        const [from, topic] = msg.split(' ')
        if (from !== this.#instance && topic) this.#fire(topic)
      })
    }
    this.#timer = setInterval(() => void this.poll(), this.pollMs)
    this.#timer.unref()
  }

  /** Reads every version row once; fires listeners of topics whose version moved. */
  async poll(): Promise<void> {
    if (this.#polling) return
    this.#polling = true
    try {
      const rows = await this.#db.db.selectFrom('state_versions').select(['key', 'version']).execute()
      for (const r of rows) {
        const v = Number(r.version)
        const seen = this.#versions.get(r.key)
        this.#versions.set(r.key, v)
        // A topic first published after start is a change too (its row did not exist before).
        if (seen !== v && (seen !== undefined || this.#primed)) this.#fire(r.key)
      }
      this.#primed = true
    } catch {
      // Database briefly unavailable: caches keep serving, the next poll catches up.
    } finally {
      this.#polling = false
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  #fire(topic: string): void {
    for (const fn of this.#listeners.get(topic) ?? []) {
      try {
        fn()
      } catch {
        // A listener failing must not stop the others.
      }
    }
  }
}
