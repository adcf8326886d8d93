/**
 * A one-line status on stderr for CLI work that takes a while (waiting for a compare, one
 * model after another in check-swap, an audit export): rewritten in place on a terminal,
 * silent otherwise (logs and CI get the final summary only, not hundreds of redraws).
 * @module
 */

export interface ProgressOut {
  write(s: string): unknown
  isTTY?: boolean
}

export interface Progress {
  update(text: string): void
  /** Clears the line (the caller prints its result next). */
  done(): void
}

export function progressLine(stderr: ProgressOut, now: () => number = Date.now): Progress {
  if (!stderr.isTTY) return { update() {}, done() {} }
  const start = now()
  let shown = false
  let last = Number.NEGATIVE_INFINITY
  return {
    update(text) {
      // At most ten redraws a second: a per-chunk caller must not flood the terminal.
      if (now() - last < 100) return
      last = now()
      const secs = Math.floor((last - start) / 1000)
      stderr.write(`\r\x1b[K${text} (${secs}s)`)
      shown = true
    },
    done() {
      if (shown) stderr.write('\r\x1b[K')
      shown = false
    },
  }
}
