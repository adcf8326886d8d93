/**
 * Leader election for background jobs (retention, audit checkpoints, workflow sweeps,
 * master-key re-wrap): several instances share one database, and each periodic job must
 * run on one of them only. A lease row (`leases`, one per job group) is held by one instance
 * until it expires; the holder renews it every `renewMs`, and any instance takes it over
 * once it expired (the holder died or lost the database). Dialect-neutral: the same two
 * statements on SQLite (where one instance is trivially the leader) and PostgreSQL.
 *
 * Safety: an instance stops calling itself leader as soon as it could not renew for
 * `ttlMs - renewMs` — before anyone else can take the lease over — so two leaders never
 * overlap unless the instances' clocks disagree by more than `renewMs` (documented in
 * docs/deploy.md). Jobs must still be safe to repeat: a job that started just before the
 * lease moved may finish while the next leader starts the same job.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../db/schema.js'

export interface LeaderOptions {
  /** Lease name (one per job group). */
  name?: string
  ttlMs?: number
  renewMs?: number
  now?: () => number
  logger?: Pick<Logger, 'info' | 'warn'>
  /**
   * The only instance by construction (embedded SQLite: one process owns the file): leader
   * from the start, no lease row written.
   */
  sole?: boolean
}

interface Job {
  name: string
  everyMs: number
  run: () => Promise<unknown>
  timer?: NodeJS.Timeout
  running?: Promise<void>
}

export class Leader {
  readonly name: string
  #leader = false
  #validUntil = 0
  #ttl: number
  #renew: number
  #now: () => number
  #log: Pick<Logger, 'info' | 'warn'> | undefined
  #timer: NodeJS.Timeout | undefined
  #ticking: Promise<void> | undefined
  #jobs: Job[] = []
  #stopped = false
  #sole: boolean

  constructor(
    private readonly db: Kysely<Database>,
    readonly instanceId: string,
    o: LeaderOptions = {},
  ) {
    this.name = o.name ?? 'jobs'
    this.#ttl = o.ttlMs ?? 15_000
    this.#renew = o.renewMs ?? 5_000
    this.#now = o.now ?? Date.now
    this.#log = o.logger
    this.#sole = o.sole ?? false
  }

  /** True while this instance holds an unexpired lease it renewed in time. */
  get isLeader(): boolean {
    if (this.#sole) return !this.#stopped
    if (this.#leader && this.#now() >= this.#validUntil) this.#lose('lease not renewed in time')
    return this.#leader
  }

  /** Tries to take or renew the lease once; resolves to the outcome. */
  async tick(): Promise<boolean> {
    if (this.#stopped || this.#sole) return this.isLeader
    this.#ticking ??= this.#tryAcquire().finally(() => {
      this.#ticking = undefined
    })
    await this.#ticking
    return this.isLeader
  }

  async #tryAcquire(): Promise<void> {
    const now = this.#now()
    const expires = now + this.#ttl
    try {
      await this.db
        .insertInto('leases')
        .values({ name: this.name, holder: this.instanceId, expires_at: expires, acquired_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute()
      const r = await this.db
        .updateTable('leases')
        .set({ holder: this.instanceId, expires_at: expires, ...(this.#leader ? {} : { acquired_at: now }) })
        .where('name', '=', this.name)
        .where((eb) => eb.or([eb('holder', '=', this.instanceId), eb('expires_at', '<', now)]))
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) === 1) {
        // Valid until a renewal is overdue, well before the row itself expires for others.
        this.#validUntil = now + this.#ttl - this.#renew
        if (!this.#leader) {
          this.#leader = true
          this.#log?.info(
            { lease: this.name, instance: this.instanceId },
            'became leader for background jobs',
          )
          for (const j of this.#jobs) this.#runJob(j)
        }
      } else if (this.#leader) {
        this.#lose('lease taken over')
      }
    } catch (err) {
      // Database unreachable: keep leading only while the lease surely has not expired.
      if (this.#leader && this.#now() >= this.#validUntil) this.#lose('database unreachable')
      else this.#log?.warn({ lease: this.name, reason: (err as Error).message }, 'lease renewal failed')
    }
  }

  #lose(reason: string): void {
    if (!this.#leader) return
    this.#leader = false
    this.#log?.warn({ lease: this.name, instance: this.instanceId, reason }, 'no longer leader')
  }

  /** Starts renewing (first attempt right away; resolves after it). */
  async start(): Promise<void> {
    this.#stopped = false
    if (this.#sole) return
    await this.tick()
    this.#timer = setInterval(() => void this.tick(), this.#renew)
    this.#timer.unref()
  }

  /**
   * Runs `run` every `everyMs` while this instance leads (and at once when it becomes
   * leader). A run never overlaps the previous one; failures are logged, not thrown.
   */
  every(name: string, everyMs: number, run: () => Promise<unknown>): void {
    const job: Job = { name, everyMs, run }
    this.#jobs.push(job)
    job.timer = setInterval(() => this.#runJob(job), everyMs)
    job.timer.unref()
    if (this.isLeader) setImmediate(() => this.#runJob(job))
  }

  #runJob(job: Job): void {
    if (job.running || this.#stopped || !this.isLeader) return
    job.running = job
      .run()
      .then(
        () => {},
        (err) => this.#log?.warn({ job: job.name, reason: (err as Error).message }, 'background job failed'),
      )
      .finally(() => {
        job.running = undefined
      })
  }

  /**
   * Stops starting jobs and waits for runs in progress; the lease is kept (shutdown steps
   * that only the leader does still see `isLeader`) until `release`.
   */
  async stopJobs(): Promise<void> {
    for (const j of this.#jobs) if (j.timer) clearInterval(j.timer)
    const runs = this.#jobs.map((j) => j.running)
    this.#jobs = []
    await Promise.all(runs)
  }

  /** Stops renewing and hands the lease back at once, so another instance leads now. */
  async release(): Promise<void> {
    await this.stopJobs()
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    await this.#ticking
    if (this.#leader) {
      this.#leader = false
      await this.db
        .updateTable('leases')
        .set({ expires_at: 0 })
        .where('name', '=', this.name)
        .where('holder', '=', this.instanceId)
        .execute()
        .catch(() => {})
    }
  }
}
