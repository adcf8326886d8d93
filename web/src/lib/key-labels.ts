/**
 * Usage is grouped by ids (credential, user, workflow); people read names. Fetches the lists
 * the caller may see and maps id → name; unknown ids stay as they are.
 * @module
 */
import { get } from '../api/client.js'
import type { Page } from '../api/types.js'

type Row = Record<string, unknown>

const SOURCES: Record<string, { path: string; id: string; label: string }[]> = {
  credential: [{ path: '/api/v1/credentials', id: 'id', label: 'name' }],
  workflow: [{ path: '/api/v1/workflows', id: 'id', label: 'name' }],
  workspace: [{ path: '/api/v1/workspaces', id: 'id', label: 'name' }],
  user: [
    { path: '/api/v1/members', id: 'userId', label: 'email' },
    { path: '/api/v1/tokens', id: 'id', label: 'name' },
  ],
}

export async function keyLabels(groupBy: string, signal?: AbortSignal): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const src of SOURCES[groupBy] ?? []) {
    const r = await get<Page<Row>>(src.path, { signal }).catch(() => ({ data: [] as Row[] }))
    for (const row of r.data) {
      const id = row[src.id]
      const label = row[src.label]
      if (typeof id === 'string' && typeof label === 'string' && !out.has(id)) out.set(id, label)
    }
  }
  return out
}

/** The label for a usage key (`(none)` reads as "none"). */
export function labelFor(labels: Map<string, string> | undefined, key: string): string {
  if (!key || key === '(none)') return 'none'
  return labels?.get(key) ?? key
}
