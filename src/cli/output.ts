/**
 * How CLI commands print results: `--json` gives machines JSON on stdout; otherwise people
 * get an aligned table. Report commands (compare, check-swap, audit verify) printed JSON on
 * stdout before tables existed, so when stdout is not a terminal and `--json` is not given
 * they keep doing that (`jsonByDefaultWhenPiped`): scripts that piped them keep working.
 * @module
 */

export interface Out {
  write(s: string): unknown
  isTTY?: boolean
}

/** Whether to print JSON: `--json`, or a pipe for commands whose piped output was JSON. */
export function wantsJson(o: { json?: boolean }, stdout: Out, jsonByDefaultWhenPiped = false): boolean {
  return o.json === true || (jsonByDefaultWhenPiped && !stdout.isTTY)
}

export function printJson(stdout: Out, value: unknown): void {
  stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Left-aligned columns two spaces apart, header first; trailing blanks trimmed. */
export function renderTable(head: string[], rows: string[][]): string {
  const all = [head, ...rows]
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) =>
    r
      .map((v, i) => (v ?? '').padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return `${all.map(line).join('\n')}\n`
}

export interface Column<T> {
  head: string
  get(row: T): string | number | boolean | null | undefined
}

const cell = (v: string | number | boolean | null | undefined): string =>
  v === null || v === undefined || v === '' ? '-' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)

/** A list: `{data}` as JSON (the API's own shape), or a table of the given columns. */
export function printList<T>(stdout: Out, o: { json?: boolean }, data: T[], columns: Column<T>[]): void {
  if (wantsJson(o, stdout)) {
    printJson(stdout, { data })
    return
  }
  if (data.length === 0) {
    stdout.write('(none)\n')
    return
  }
  stdout.write(
    renderTable(
      columns.map((c) => c.head),
      data.map((row) => columns.map((c) => cell(c.get(row)))),
    ),
  )
}

/** One object: JSON, or `key: value` lines for people. */
export function printRecord(stdout: Out, o: { json?: boolean }, value: Record<string, unknown>): void {
  if (wantsJson(o, stdout)) {
    printJson(stdout, value)
    return
  }
  const rows = Object.entries(value).map(([k, v]) => [
    `${k}:`,
    v !== null && typeof v === 'object' ? JSON.stringify(v) : cell(v as string),
  ])
  stdout.write(renderTable(['', ''], rows).split('\n').slice(1).join('\n'))
}
