/** Loads data for a page: `{data, error, loading, reload}`; stale answers are dropped. */
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react'

export interface AsyncState<T> {
  data: T | undefined
  error: Error | undefined
  loading: boolean
  reload(): void
  setData(v: T): void
}

export function useAsync<T>(fn: (signal: AbortSignal) => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<Error>()
  const [loading, setLoading] = useState(true)
  const [tick, setTick] = useState(0)
  const fnRef = useRef(fn)
  fnRef.current = fn

  // biome-ignore lint/correctness/useExhaustiveDependencies: callers pass their own deps; tick forces reloads
  useEffect(() => {
    const ac = new AbortController()
    setLoading(true)
    fnRef
      .current(ac.signal)
      .then((v) => {
        if (ac.signal.aborted) return
        setData(v)
        setError(undefined)
      })
      .catch((e: Error) => {
        if (ac.signal.aborted || e.name === 'AbortError') return
        setError(e)
      })
      .finally(() => {
        if (!ac.signal.aborted) setLoading(false)
      })
    return () => ac.abort()
  }, [...deps, tick])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { data, error, loading, reload, setData }
}
