/**
 * Text contrast of the workspace palette (web/src/styles.css), both themes: every colour the
 * stylesheet uses for text is at least 4.5:1 (WCAG AA) on each background it is used on,
 * including states the browser suite may not show (error notices, badges, hover).
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const CSS = fs.readFileSync(path.resolve(import.meta.dirname, '../../web/src/styles.css'), 'utf8')

function vars(selector: string): Record<string, string> {
  const start = CSS.indexOf(`${selector} {`)
  const body = CSS.slice(start, CSS.indexOf('}', start))
  return Object.fromEntries([...body.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1]!, m[2]!]))
}

const luminance = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi! + 0.05) / (lo! + 0.05)
}

/** [text, background] pairs as the stylesheet uses them. */
const PAIRS: [string, string][] = [
  ['text', 'bg'],
  ['text', 'panel'],
  ['text', 'panel-2'],
  ['muted', 'bg'],
  ['muted', 'panel'],
  ['muted', 'panel-2'],
  ['accent', 'panel'],
  ['accent', 'bg'],
  ['accent', 'accent-soft'],
  ['ok', 'ok-soft'],
  ['ok', 'panel'],
  ['warn', 'warn-soft'],
  ['warn', 'panel'],
  ['bad', 'bad-soft'],
  ['bad', 'panel'],
  ['info', 'info-soft'],
  ['info', 'panel'],
  ['white', 'primary'],
  ['white', 'primary-hover'],
  ['bg', 'bad'],
]

describe('palette contrast', () => {
  const light = { ...vars(':root'), white: '#ffffff' }
  const dark = { ...light, ...vars(':root[data-theme="dark"]') }
  for (const [theme, v] of Object.entries({ light, dark }) as [string, Record<string, string>][]) {
    it(`${theme}: text colours are ≥ 4.5:1 on their backgrounds`, () => {
      const low = PAIRS.filter(([t, b]) => contrast(v[t]!, v[b]!) < 4.5).map(
        ([t, b]) => `${t} on ${b}: ${contrast(v[t]!, v[b]!).toFixed(2)}`,
      )
      expect(Object.keys(v).length).toBeGreaterThan(15)
      expect(low).toEqual([])
    })
  }
})
