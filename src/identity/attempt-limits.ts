/**
 * Limits on guesses: sign-in and invite acceptance. An attempt is *counted before* the
 * expensive check (argon2) with one atomic increment per limit (in-process, or Redis INCRBY in
 * a script), and refused when that count passes the limit — so a burst of parallel guesses gets
 * at most `max` of them verified, however the requests interleave. Checking first and counting
 * after the verification let every guess of a burst through.
 * @module
 */
import { rateLimited } from '../errors/app-error.js'
import type { CounterStore } from '../state/counters.js'
import { sha256Hex } from './secrets.js'

export const ATTEMPT_WINDOW_MS = 15 * 60_000
/** Failed sign-ins (and invite accepts) per client address and window. */
export const MAX_PER_ADDRESS = 30
/** Guesses at one account's password per window, through sign-in and invite acceptance alike. */
export const MAX_PER_ACCOUNT = 10
/** Guesses through one invite link per window. */
export const MAX_PER_INVITE = 10

/**
 * One limit an attempt counts against. `onSuccess`: `refund` gives the slot back (an address
 * that signs in to its own account must not clear the failures it spent on others), `reset`
 * clears the counter (the account's owner proved the password).
 */
export interface AttemptLimit {
  key: string
  max: number
  onSuccess: 'refund' | 'reset'
}

export const addressLimit = (scope: 'login' | 'invite', address: string): AttemptLimit => ({
  key: `${scope}:ip:${address}`,
  max: MAX_PER_ADDRESS,
  onSuccess: 'refund',
})

/** Keyed by a hash of the email: counter keys (Redis) never hold an address in clear. */
export const accountLimit = (email: string): AttemptLimit => ({
  key: `login:email:${sha256Hex(email)}`,
  max: MAX_PER_ACCOUNT,
  onSuccess: 'reset',
})

export const inviteLimit = (inviteId: string): AttemptLimit => ({
  key: `invite:id:${inviteId}`,
  max: MAX_PER_INVITE,
  onSuccess: 'reset',
})

/** An attempt counted against its limits; call `succeeded()` once it proved to be genuine. */
export interface Attempt {
  succeeded(): Promise<void>
}

export class AttemptLimiter {
  constructor(
    private readonly counters: CounterStore,
    private readonly windowMs = ATTEMPT_WINDOW_MS,
  ) {}

  /**
   * Counts one attempt against every limit, then throws 429 if any is past its maximum. Call
   * it before the expensive check; a refused attempt stays counted (it was one).
   */
  async begin(limits: AttemptLimit[]): Promise<Attempt> {
    let retryMs = 0
    for (const l of limits) {
      const { total, resetMs } = await this.counters.add(l.key, 1, this.windowMs)
      if (total > l.max) retryMs = Math.max(retryMs, resetMs)
    }
    if (retryMs > 0) throw rateLimited('too many failed attempts: try again later', retryMs / 1000)
    return {
      succeeded: async () => {
        for (const l of limits) {
          if (l.onSuccess === 'reset') await this.counters.reset(l.key, this.windowMs)
          else await this.counters.add(l.key, -1, this.windowMs)
        }
      },
    }
  }
}
