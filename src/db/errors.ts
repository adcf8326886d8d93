/**
 * True for a unique-constraint violation on either dialect (PostgreSQL 23505, SQLite UNIQUE).
 * With `column`, only when the error message names it (the index or column that clashed), so
 * a caller with several unique keys can answer each one differently.
 */
export function isUniqueViolation(err: unknown, column?: string): boolean {
  const e = err as { code?: string; message?: string } | null
  const msg = String(e?.message ?? '')
  const unique =
    e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/i.test(msg)
  return unique && (column === undefined || msg.includes(column))
}

/** Columns that scope a unique key rather than name the thing (left out of a conflict message). */
const SCOPE_COLUMNS = new Set(['org_id', 'workspace_id'])

/**
 * The table and the naming columns of a unique violation, read from the error alone (SQLite:
 * "UNIQUE constraint failed: budgets.org_id, budgets.name"; PostgreSQL: `table` and the
 * "Key (org_id, name)=(…)" detail, of which only the column list is kept — the values are
 * the caller's input and another row's data). Null when `err` is not a unique violation.
 */
export function uniqueViolation(err: unknown): { table: string | null; columns: string[] } | null {
  if (!isUniqueViolation(err)) return null
  const e = err as { message?: unknown; table?: unknown; detail?: unknown }
  const sqlite = /UNIQUE constraint failed: ([^\n]+)/i.exec(String(e.message ?? ''))
  let table: string | null = typeof e.table === 'string' ? e.table : null
  let columns: string[] = []
  if (sqlite) {
    const qualified = sqlite[1]!.split(',').map((c) => c.trim())
    table ??= qualified[0]?.split('.')[0] ?? null
    columns = qualified.map((c) => c.split('.').pop()!)
  } else {
    const key = /^Key \(([^)]*)\)=/.exec(String(e.detail ?? ''))
    if (key) columns = key[1]!.split(',').map((c) => c.trim())
  }
  return { table, columns: columns.filter((c) => !SCOPE_COLUMNS.has(c)) }
}
