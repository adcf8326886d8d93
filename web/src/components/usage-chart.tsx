/** uPlot line chart of one metric per key over time; colours follow the theme. */
import { useEffect, useRef, useState } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { Series } from '../lib/usage.js'

const PALETTE = [
  '#6366f1',
  '#10b981',
  '#f59e0b',
  '#ef4444',
  '#06b6d4',
  '#a855f7',
  '#84cc16',
  '#ec4899',
  '#64748b',
]

export function UsageChart({
  series,
  label,
  format,
}: {
  series: Series
  label: string
  format: (v: number) => string
}) {
  const host = useRef<HTMLDivElement>(null)
  // Axis and grid colours come from the theme: redraw when it changes.
  const [theme, setTheme] = useState(document.documentElement.dataset.theme)
  useEffect(() => {
    const mo = new MutationObserver(() => setTheme(document.documentElement.dataset.theme))
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] })
    return () => mo.disconnect()
  }, [])
  // biome-ignore lint/correctness/useExhaustiveDependencies: theme is read through getComputedStyle
  useEffect(() => {
    const el = host.current
    if (!el) return
    const css = getComputedStyle(document.documentElement)
    const axisColor = css.getPropertyValue('--muted').trim() || '#888'
    const grid = css.getPropertyValue('--border').trim() || '#ddd'
    const axis = { stroke: axisColor, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } }
    const opts: uPlot.Options = {
      width: el.clientWidth || 800,
      height: 280,
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 70, values: (_u, vals) => vals.map((v) => format(v)) }],
      series: [
        {},
        ...series.keys.map((k, i) => ({
          label: k,
          stroke: PALETTE[i % PALETTE.length],
          fill: `${PALETTE[i % PALETTE.length]}22`,
          width: 2,
          points: { show: series.xs.length < 40 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
        })),
      ],
      legend: { show: true },
    }
    const u = new uPlot(opts, [series.xs, ...series.ys], el)
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 280 }))
    ro.observe(el)
    return () => {
      ro.disconnect()
      u.destroy()
    }
  }, [series, format, theme])
  return <div ref={host} className="chart" role="img" aria-label={label} />
}
