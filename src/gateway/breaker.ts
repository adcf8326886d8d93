/**
 * Circuit breakers per (credential, model). A small breaker of our own rather than
 * cockatiel's: cockatiel records outcomes only around `execute(fn)`, while a streamed call's
 * outcome is known long after the function that started it returned (first event, or a
 * failure mid-stream), so we need explicit `success`/`failure`/`release` calls.
 *
 * Closed: outcomes counted in a sliding window of 10 buckets; when at least `minRequests`
 * calls ended in the window and the failure share reaches `failureRate`, it opens. Open: calls
 * are refused for `openMs`, then one probe at a time is let through (half-open); a successful
 * probe closes it, a failed one opens it again.
 *
 * Across instances (REDIS_URL), a `BreakerStore` shares the state: outcomes are counted in a
 * shared window too, and when any instance's breaker opens (or a probe closes it) the others
 * follow at once (state/breaker-store.ts). The decision per call stays local and synchronous:
 * no Redis round trip on the hot path.
 * @module
 */

export type BreakerState = 'closed' | 'open' | 'half_open'

export interface BreakerOptions {
  windowMs: number
  minRequests: number
  failureRate: number
  openMs: number
  halfOpenProbes: number
}

export const DEFAULT_BREAKER: BreakerOptions = {
  windowMs: 30_000,
  minRequests: 5,
  failureRate: 0.5,
  openMs: 30_000,
  halfOpenProbes: 1,
}

const BUCKETS = 10

export interface BreakerSnapshot {
  state: BreakerState
  requests: number
  failures: number
  failureRate: number
  openedAt: number | null
}

export class Breaker {
  state: BreakerState = 'closed'
  openedAt: number | null = null
  #ok = new Array<number>(BUCKETS).fill(0)
  #fail = new Array<number>(BUCKETS).fill(0)
  #bucketAt = new Array<number>(BUCKETS).fill(0)
  #probes = 0

  constructor(
    private readonly opts: BreakerOptions,
    private readonly onChange: (state: BreakerState) => void = () => {},
    private readonly now: () => number = Date.now,
    /** Each outcome counted in the closed state (shared with other instances). */
    private readonly onOutcome: (failed: boolean) => void = () => {},
  ) {}

  /** Whether a call may go now; a true answer in half-open holds a probe slot until an outcome is recorded. */
  tryAcquire(): boolean {
    if (this.state === 'closed') return true
    if (this.state === 'open') {
      if (this.now() - (this.openedAt ?? 0) < this.opts.openMs) return false
      this.#set('half_open')
    }
    if (this.#probes >= this.opts.halfOpenProbes) return false
    this.#probes++
    return true
  }

  success(): void {
    if (this.state === 'half_open') {
      this.#probes = Math.max(0, this.#probes - 1)
      this.#reset()
      this.#set('closed')
      return
    }
    this.#count(this.#ok)
    if (this.state === 'closed') this.onOutcome(false)
  }

  failure(): void {
    if (this.state === 'half_open') {
      this.#probes = Math.max(0, this.#probes - 1)
      this.#open()
      return
    }
    if (this.state === 'open') return
    this.#count(this.#fail)
    this.onOutcome(true)
    const { requests, failures } = this.#totals()
    if (requests >= this.opts.minRequests && failures / requests >= this.opts.failureRate) this.#open()
  }

  /** The call ended without saying anything about upstream health (4xx, client abort). */
  release(): void {
    if (this.state === 'half_open') this.#probes = Math.max(0, this.#probes - 1)
  }

  /** Opens now because another instance's breaker for the same target opened. */
  forceOpen(): void {
    if (this.state === 'open') return
    this.#probes = 0
    this.#open()
  }

  /** Closes because another instance's probe succeeded. */
  forceClose(): void {
    if (this.state === 'closed') return
    this.#probes = 0
    this.#reset()
    this.#set('closed')
  }

  snapshot(): BreakerSnapshot {
    if (this.state === 'open' && this.now() - (this.openedAt ?? 0) >= this.opts.openMs) {
      // Report what the next call would see.
      return { ...this.#snap(), state: 'half_open' }
    }
    return this.#snap()
  }

  #snap(): BreakerSnapshot {
    const { requests, failures } = this.#totals()
    return {
      state: this.state,
      requests,
      failures,
      failureRate: requests ? failures / requests : 0,
      openedAt: this.openedAt,
    }
  }

  #open(): void {
    this.openedAt = this.now()
    this.#reset()
    this.#set('open')
  }

  #set(s: BreakerState): void {
    if (this.state === s) return
    this.state = s
    this.onChange(s)
  }

  #slot(): number {
    const size = this.opts.windowMs / BUCKETS
    const epoch = Math.floor(this.now() / size)
    const i = epoch % BUCKETS
    if (this.#bucketAt[i] !== epoch) {
      this.#bucketAt[i] = epoch
      this.#ok[i] = 0
      this.#fail[i] = 0
    }
    return i
  }

  #count(arr: number[]): void {
    const i = this.#slot()
    arr[i] = (arr[i] ?? 0) + 1
  }

  #totals(): { requests: number; failures: number } {
    const size = this.opts.windowMs / BUCKETS
    const epoch = Math.floor(this.now() / size)
    let ok = 0
    let fail = 0
    for (let i = 0; i < BUCKETS; i++) {
      if (epoch - (this.#bucketAt[i] ?? 0) < BUCKETS) {
        ok += this.#ok[i] ?? 0
        fail += this.#fail[i] ?? 0
      }
    }
    return { requests: ok + fail, failures: fail }
  }

  #reset(): void {
    this.#ok.fill(0)
    this.#fail.fill(0)
  }
}

/**
 * Breaker state shared between instances. `record` and `changed` are fire and forget;
 * the store calls `listen`'s callback when another instance's breaker opened or closed.
 */
export interface BreakerStore {
  record(credentialId: string, model: string, failed: boolean, opts: BreakerOptions): void
  changed(credentialId: string, model: string, state: BreakerState, opts: BreakerOptions): void
  /** Whether the target's breaker is open somewhere (asked once when a breaker is created here). */
  isOpen(credentialId: string, model: string): Promise<boolean>
  listen(fn: (credentialId: string, model: string, state: 'open' | 'closed') => void): void
}

/**
 * Breakers one process holds at most. The upstream model is the caller's choice, so the map
 * is bounded: past the cap, idle closed breakers go first, then the oldest closed ones; open
 * and half-open breakers (the ones protecting something) go last.
 */
export const MAX_BREAKERS = 1_000

/** Every breaker of the process, keyed by credential id and upstream model. */
export class Breakers {
  #map = new Map<string, Breaker>()
  /** Set while a change from another instance is applied: not sent back to the store. */
  #remote = false
  constructor(
    private opts: BreakerOptions = DEFAULT_BREAKER,
    private readonly onChange: (credentialId: string, model: string, s: BreakerState) => void = () => {},
    private readonly now: () => number = Date.now,
    private readonly store?: BreakerStore,
  ) {
    store?.listen((credentialId, model, state) => {
      const b = this.get(credentialId, model)
      this.#remote = true
      try {
        if (state === 'open') b.forceOpen()
        else b.forceClose()
      } finally {
        this.#remote = false
      }
    })
  }

  get(credentialId: string, model: string): Breaker {
    const key = `${credentialId}\u0000${model}`
    let b = this.#map.get(key)
    if (!b) {
      const store = this.store
      b = new Breaker(
        this.opts,
        (s) => {
          this.onChange(credentialId, model, s)
          if (!this.#remote) store?.changed(credentialId, model, s, this.opts)
        },
        this.now,
        store ? (failed) => store.record(credentialId, model, failed, this.opts) : undefined,
      )
      if (this.#map.size >= MAX_BREAKERS) this.#evict()
      this.#map.set(key, b)
      if (store) {
        const created = b
        // Opened elsewhere before this instance first saw the target (or before it started).
        void store.isOpen(credentialId, model).then(
          (open) => {
            if (!open || this.#map.get(key) !== created) return
            this.#remote = true
            try {
              created.forceOpen()
            } finally {
              this.#remote = false
            }
          },
          () => {},
        )
      }
    }
    return b
  }

  /**
   * Frees a tenth of the map (amortised: one sweep per hundred new breakers). A dropped closed
   * breaker forgets at most a window of outcomes; it starts closed again if its target returns.
   */
  #evict(): void {
    const target = Math.floor(MAX_BREAKERS * 0.9)
    const passes: ((b: Breaker) => boolean)[] = [
      (b) => b.state === 'closed' && b.snapshot().requests === 0,
      (b) => b.state === 'closed',
      () => true,
    ]
    for (const drop of passes) {
      for (const [k, b] of this.#map) {
        if (this.#map.size <= target) return
        if (drop(b)) this.#map.delete(k)
      }
    }
  }

  /** Changes thresholds for breakers created from now on (and drops existing ones). */
  configure(opts: Partial<BreakerOptions>): void {
    this.opts = { ...this.opts, ...opts }
    this.#map.clear()
  }

  /** Breakers held now (tests and diagnostics). */
  get size(): number {
    return this.#map.size
  }

  peek(credentialId: string, model: string): BreakerSnapshot | undefined {
    return this.#map.get(`${credentialId}\u0000${model}`)?.snapshot()
  }
}
