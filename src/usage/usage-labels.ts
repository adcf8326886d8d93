/**
 * Names for usage keys: a credential, user, token, workspace or workflow id reads as its name,
 * and a `credential-model` key as `key name/model` (the model as people address it).
 * @module
 */
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { displayNames } from '../identity/display-names.js'
import type { GroupBy, UsageTotals } from './usage-query.js'

/** The id inside a key that has a name: the whole key, or its part before the first `/`. */
const idOf = (groupBy: GroupBy, key: string) =>
  groupBy === 'credential-model' ? key.slice(0, key.indexOf('/')) : key

export async function labelUsage<R extends UsageTotals>(
  db: Kysely<Database>,
  orgId: string,
  groupBy: GroupBy,
  rows: R[],
): Promise<R[]> {
  const named = groupBy !== 'model' && groupBy !== 'provider'
  const names = named
    ? await displayNames(
        db,
        orgId,
        rows.map((r) => idOf(groupBy, r.key)),
      )
    : {}
  return rows.map((r) => {
    if (groupBy !== 'credential-model') return { ...r, label: names[r.key] ?? r.key }
    const id = idOf(groupBy, r.key)
    const model = r.key.slice(id.length + 1)
    return { ...r, label: id === '(none)' ? model : `${names[id] ?? id}/${model}` }
  })
}
