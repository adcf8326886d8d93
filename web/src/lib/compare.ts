/**
 * Side-by-side compare: the column state and how the multiplexed `POST /api/v1/compare`
 * events (each tagged with its column index) fold into it. Pure, unit-tested.
 * @module
 */

export interface Column {
  /** Stable identity for React keys (columns are added and removed). */
  key: string
  model: string
  text: string
  status: 'idle' | 'waiting' | 'streaming' | 'done' | 'error'
  ttftMs?: number
  latencyMs?: number
  inputTokens?: number
  outputTokens?: number
  costUsd?: number
  error?: string
}

let seq = 0

export function emptyColumn(model: string, key = `col-${++seq}`): Column {
  return { key, model, text: '', status: 'idle' }
}

/** One event of the compare stream: `start`, `delta`, `done`, `error` carry a `column`. */
export interface CompareEvent {
  event: string
  data: Record<string, unknown>
}

/** Applies an event to the columns; `map` turns the stream's column index into ours (re-runs). */
export function applyCompareEvent(
  cols: Column[],
  ev: CompareEvent,
  map: (i: number) => number = (i) => i,
): Column[] {
  const idx = typeof ev.data.column === 'number' ? map(ev.data.column) : -1
  const col = cols[idx]
  if (!col) return cols
  const next = [...cols]
  const d = ev.data
  switch (ev.event) {
    case 'start':
      next[idx] = { ...emptyColumn(col.model, col.key), status: 'waiting' }
      break
    case 'delta':
      next[idx] = {
        ...col,
        status: 'streaming',
        text: col.text + String(d.text ?? ''),
        ttftMs: col.ttftMs ?? (typeof d.ttftMs === 'number' ? d.ttftMs : undefined),
      }
      break
    case 'done': {
      const u = (d.usage ?? {}) as Record<string, unknown>
      next[idx] = {
        ...col,
        status: 'done',
        text: typeof d.text === 'string' && !col.text ? d.text : col.text,
        ttftMs: num(d.ttftMs) ?? col.ttftMs,
        latencyMs: num(d.latencyMs),
        inputTokens: num(u.inputTokens),
        outputTokens: num(u.outputTokens),
        costUsd: num(d.costUsd),
      }
      break
    }
    case 'error': {
      const e = d.error as { message?: string } | string | undefined
      next[idx] = {
        ...col,
        status: 'error',
        error: typeof e === 'string' ? e : (e?.message ?? 'failed'),
        latencyMs: num(d.latencyMs),
      }
      break
    }
    default:
      return cols
  }
  return next
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** The fastest and cheapest finished columns (-1 when none, or when tied for first). */
export function leaders(cols: Column[]): { fastest: number; cheapest: number } {
  const best = (v: (c: Column) => number | undefined): number => {
    let at = -1
    let min = Number.POSITIVE_INFINITY
    let tied = false
    cols.forEach((c, i) => {
      const x = c.status === 'done' ? v(c) : undefined
      if (x === undefined) return
      if (x < min) {
        min = x
        at = i
        tied = false
      } else if (x === min) tied = true
    })
    return tied ? -1 : at
  }
  return { fastest: best((c) => c.latencyMs), cheapest: best((c) => c.costUsd) }
}
