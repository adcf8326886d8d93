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
