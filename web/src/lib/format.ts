/** Display helpers: money, counts, durations, times. Pure, unit-tested. */

export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  if (v === 0) return '$0.00'
  // Sub-cent amounts (budget limits go down to micro-dollars): up to six decimals, no trailing zeros.
  if (Math.abs(v) < 0.01) return `$${v.toFixed(6).replace(/0+$/, '')}`
  return `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
}

export function count(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  if (Math.abs(v) >= 1_000_000) return `${(v / 1_000_000).toFixed(1)}M`
  if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(1)}k`
  return v.toLocaleString('en-US')
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  if (v < 1000) return `${Math.round(v)} ms`
  return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`
}

/** Accepts epoch ms (number or numeric string) or ISO text. */
export function toDate(v: string | number | null | undefined): Date | null {
  if (v === null || v === undefined || v === '') return null
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v)
  return Number.isFinite(n) ? new Date(n) : null
}

export function dateTime(v: string | number | null | undefined): string {
  const d = toDate(v)
  if (!d) return '—'
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** Compact time for dense tables: "Nov 23 15:33:02" (the year only when it is not this one). */
export function shortDateTime(v: string | number | null | undefined, now = new Date()): string {
  const d = toDate(v)
  if (!d) return '—'
  const opts: Intl.DateTimeFormatOptions = {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric'
  return d.toLocaleString(undefined, opts)
}

export function relative(v: string | number | null | undefined, now = Date.now()): string {
  const d = toDate(v)
  if (!d) return 'never'
  const s = Math.round((now - d.getTime()) / 1000)
  if (s < 45) return 'just now'
  const units: [number, string][] = [
    [60, 'minute'],
    [3600, 'hour'],
    [86400, 'day'],
    [86400 * 30, 'month'],
    [86400 * 365, 'year'],
  ]
  let label = `${Math.round(s / 60)} minutes ago`
  for (let i = units.length - 1; i >= 0; i--) {
    const [secs, unit] = units[i]!
    if (s >= secs) {
      const n = Math.round(s / secs)
      label = `${n} ${unit}${n === 1 ? '' : 's'} ago`
      break
    }
  }
  return label
}

/** Short display of a JSON-ish shape record (audit `inputShape`, etc.). */
export function shape(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v !== 'object') return String(v)
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)}`)
    .join(', ')
}
