/**
 * What the audit page shows of a record: names beside ids (the server sends `names` with each
 * page), internal markers left out, and CSV rows that carry both names and ids.
 * @module
 */
import type { AuditRecord } from '../api/types.js'

export type Names = Record<string, string>

/**
 * Internal markers the gateway once put into request parameters (`__latchkey_…`): not the
 * caller's, so not shown. The server stops writing them; records already chained keep them.
 */
const INTERNAL = /^__latchkey/

/** A copy without internal markers: object keys and string array items that start with `__latchkey`. */
export function withoutInternal<T>(v: T): T {
  if (Array.isArray(v))
    return v.filter((x) => !(typeof x === 'string' && INTERNAL.test(x))).map(withoutInternal) as T
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !INTERNAL.test(k))
        .map(([k, x]) => [k, withoutInternal(x)]),
    ) as T
  return v
}

/** Who did it, by name; the id when the name is unknown (a removed member, another org's id). */
export const actorName = (r: AuditRecord, names: Names) => names[r.actor] ?? r.actor

/** The model as people address it: key name/model when the record names a key. */
export function modelName(r: AuditRecord, names: Names): string {
  if (!r.model) return ''
  const key = r.credentialId ? names[r.credentialId] : undefined
  return key ? `${key}/${r.model}` : r.model
}

/** CSV rows: each id followed by its name, then the rest of the record. */
export function csvRows(rows: AuditRecord[], names: Names): Record<string, unknown>[] {
  return rows.map((r) => {
    const named = (id: unknown) => (typeof id === 'string' ? (names[id] ?? '') : '')
    const { seq, ts, actor, credentialId, workspaceId, targetId, ...rest } = withoutInternal(
      r,
    ) as AuditRecord & Record<string, unknown>
    return {
      seq,
      ts,
      actor,
      actorName: named(actor),
      credentialId,
      credentialName: named(credentialId),
      workspaceId,
      workspaceName: named(workspaceId),
      targetId,
      targetName: named(targetId),
      ...rest,
    }
  })
}
