/** A listed collection (GET `path` answers a Page) and the changes made to it, each followed by a reload. */
import { get } from '../api/client.js'
import type { Page } from '../api/types.js'
import { useAction } from './use-action.js'
import { type AsyncState, useAsync } from './use-async.js'

export interface ListState<T> extends Omit<AsyncState<Page<T>>, 'error'> {
  /** The items, empty until the first answer. */
  rows: T[]
  /** Why the list did not load, or why the last change failed. */
  error: unknown
  /** Runs a change (create, update, delete), then reloads the list; false when it failed. */
  change(fn: () => Promise<unknown>): Promise<boolean>
}

export function useList<T>(path: string): ListState<T> {
  const list = useAsync((signal) => get<Page<T>>(path, { signal }), [path])
  const action = useAction()
  return {
    ...list,
    rows: list.data?.data ?? [],
    error: list.error ?? action.error,
    change: (fn) =>
      action.run(async () => {
        await fn()
        list.reload()
      }),
  }
}
