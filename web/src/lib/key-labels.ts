/**
 * Names for ids. The server labels usage rows and audit records; pickers (budget targets, the
 * audit actor and key filters) list the things the caller may see, by name, from their lists.
 * @module
 */
import { get } from '../api/client.js'
import type { Page } from '../api/types.js'

type Row = Record<string, unknown>

/** Where each kind of target is listed, and which fields are its id and its name. */
const LISTS = {
  credential: { path: '/api/v1/credentials', id: 'id', label: 'name' },
  workflow: { path: '/api/v1/workflows', id: 'id', label: 'name' },
  workspace: { path: '/api/v1/workspaces', id: 'id', label: 'name' },
  user: { path: '/api/v1/members', id: 'userId', label: 'email' },
  token: { path: '/api/v1/tokens', id: 'id', label: 'name' },
} as const
export type TargetKind = keyof typeof LISTS

export interface Option {
  value: string
  label: string
}

/** The things of one kind the caller may see, by name (an empty list when they may see none). */
export async function targetOptions(kind: TargetKind, signal?: AbortSignal): Promise<Option[]> {
  const src = LISTS[kind]
  const r = await get<Page<Row>>(src.path, { signal }).catch(() => ({ data: [] as Row[] }))
  const out: Option[] = []
  for (const row of r.data) {
    const id = row[src.id]
    const label = row[src.label]
    if (typeof id === 'string') out.push({ value: id, label: typeof label === 'string' ? label : id })
  }
  return out
}

/** The label for a usage key (`(none)` reads as "none"); an id with no name stays as it is. */
export function labelFor(labels: Map<string, string> | undefined, key: string): string {
  if (!key || key === '(none)') return 'none'
  return labels?.get(key) ?? key
}
