/**
 * A form's fields in one state object, like useState: `[values, set, reset]`. `set(k)` fits a
 * field's onChange; `reset(...keys)` puts those fields (default: all) back to their first values.
 * @module
 */
import { useState } from 'react'

export function useForm<F extends object>(initial: F) {
  const [values, setValues] = useState(initial)
  const set =
    <K extends keyof F>(k: K) =>
    (v: F[K]) =>
      setValues((f) => ({ ...f, [k]: v }))
  const reset = (...keys: (keyof F)[]) =>
    setValues((f) => {
      if (keys.length === 0) return initial
      const next = { ...f }
      for (const k of keys) next[k] = initial[k]
      return next
    })
  return [values, set, reset] as const
}
