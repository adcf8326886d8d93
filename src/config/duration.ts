const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/** Parses "500ms", "30s", "15m", "24h", "7d" (or a bare number of milliseconds). */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text)
  if (!m) return undefined
  const unit = UNITS[m[2] ?? 'ms']!
  return Math.round(Number(m[1]) * unit)
}
