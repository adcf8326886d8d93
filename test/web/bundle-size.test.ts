/**
 * The first load stays small: the JavaScript index.html pulls in (entry + modulepreloads)
 * must be at most 250 kB gzipped; pages, charts and markdown load as separate chunks.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ensureWebBuild } from './browser.js'

const DIST = path.resolve(import.meta.dirname, '../../web/dist')

describe('web bundle', () => {
  it('keeps the initial JavaScript under 250 kB gzipped and splits pages into chunks', () => {
    ensureWebBuild()
    const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8')
    const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!)
    expect(initial.length).toBeGreaterThan(0)
    const gz = initial.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(DIST, f))).length, 0)
    expect(gz).toBeLessThanOrEqual(250 * 1024)
    const chunks = fs.readdirSync(path.join(DIST, 'assets')).filter((f) => f.endsWith('.js'))
    for (const page of ['chat', 'compare', 'workflows', 'usage', 'audit', 'keys', 'members', 'settings']) {
      expect(
        chunks.some((c) => c.startsWith(`${page}-`)),
        page,
      ).toBe(true)
    }
    // No inline scripts: the CSP (script-src 'self') would block them.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
  }, 60_000)
})
