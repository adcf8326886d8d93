/**
 * Batch inputs: JSONL (one JSON object of inputs per line) or CSV (header row = input names,
 * RFC 4180 quoting; values are strings, or JSON when a cell holds a JSON object/array/number).
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

export function parseBatch(text: string, file: string): BatchItem[] {
  const rows = file.toLowerCase().endsWith('.csv') ? parseCsvObjects(text) : parseJsonl(text)
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

function parseCsvObjects(text: string): Record<string, unknown>[] {
  const rows = parseCsv(text).filter((r) => r.some((c) => c !== ''))
  const [head, ...body] = rows
  if (!head) return []
  return body.map((r, i) => {
    if (r.length !== head.length)
      throw new Error(`CSV row ${i + 2}: ${r.length} cells, header has ${head.length}`)
    return Object.fromEntries(head.map((h, j) => [h.trim(), cell(r[j]!)]))
  })
}

function cell(v: string): unknown {
  const t = v.trim()
  if (/^[[{]/.test(t) || /^-?\d+(\.\d+)?$/.test(t) || t === 'true' || t === 'false') {
    try {
      return JSON.parse(t)
    } catch {
      return v
    }
  }
  return v
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
