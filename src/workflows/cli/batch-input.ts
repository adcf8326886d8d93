/**
 * Batch inputs: JSONL (one JSON object of inputs per line) or CSV (header row = input names,
 * RFC 4180 quoting). CSV cells are text; they are converted by the recipe's declared input type
 * (number, integer, boolean, object/array as JSON), so "02134" stays a string where the recipe
 * says string.
 * @module
 */
import { createHash } from 'node:crypto'

export interface BatchItem {
  index: number
  /** Content hash of the inputs: a re-run skips items whose key already succeeded. */
  key: string
  inputs: Record<string, unknown>
}

export function itemKey(inputs: unknown): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32)
}

/** Declared input types by name (`string`, `number?`, … or a JSON Schema with `type`). */
export type InputTypes = Record<string, unknown>

export function parseBatch(text: string, file: string, types: InputTypes = {}): BatchItem[] {
  const rows = file.toLowerCase().endsWith('.csv') ? parseCsvObjects(text, types) : parseJsonl(text)
  return rows.map((inputs, index) => ({ index, key: itemKey(inputs), inputs }))
}

function parseJsonl(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return
    let v: unknown
    try {
      v = JSON.parse(line)
    } catch {
      throw new Error(`line ${i + 1}: not valid JSON`)
    }
    if (!v || typeof v !== 'object' || Array.isArray(v))
      throw new Error(`line ${i + 1}: expected a JSON object of inputs`)
    out.push(v as Record<string, unknown>)
  })
  return out
}

function parseCsvObjects(text: string, types: InputTypes): Record<string, unknown>[] {
  const rows = parseCsv(text).filter((r) => r.some((c) => c !== ''))
  const [head, ...body] = rows
  if (!head) return []
  return body.map((r, i) => {
    if (r.length !== head.length)
      throw new Error(`CSV row ${i + 2}: ${r.length} cells, header has ${head.length}`)
    return Object.fromEntries(head.map((h, j) => [h.trim(), cell(r[j]!, typeOf(types[h.trim()]))]))
  })
}

function typeOf(spec: unknown): string | undefined {
  if (typeof spec === 'string') return spec.replace(/\?$/, '')
  const t = (spec as { type?: unknown } | undefined)?.type
  return typeof t === 'string' ? t : undefined
}

/** A cell converted to its declared type; unconvertible text is kept so validation names it. */
function cell(v: string, type: string | undefined): unknown {
  const t = v.trim()
  switch (type) {
    case 'number':
    case 'integer':
      return t !== '' && Number.isFinite(Number(t)) ? Number(t) : v
    case 'boolean':
      return t === 'true' ? true : t === 'false' ? false : v
    case 'object':
    case 'array':
      try {
        return JSON.parse(t)
      } catch {
        return v
      }
    default:
      return v
  }
}

/** RFC 4180: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += ch
  }
  if (field !== '' || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows
}
