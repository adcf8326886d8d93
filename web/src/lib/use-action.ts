/** A user action (save, delete, sign in…) with its error and busy state: the try/catch in one place. */
import { useState } from 'react'

export interface ActionState {
  /** What the last run threw, until the next run starts. */
  error: unknown
  busy: boolean
  setError(e: unknown): void
  /** Clears the error, runs `fn` while busy, keeps what it throws; true when it succeeded. */
  run(fn: () => Promise<unknown>): Promise<boolean>
}

export function useAction(): ActionState {
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  async function run(fn: () => Promise<unknown>): Promise<boolean> {
    setBusy(true)
    setError(undefined)
    try {
      await fn()
      return true
    } catch (err) {
      setError(err)
      return false
    } finally {
      setBusy(false)
    }
  }
  return { error, busy, setError, run }
}
