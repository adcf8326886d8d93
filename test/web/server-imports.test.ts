/**
 * The web app shares a few server modules (the provider kinds table). Whatever those pull in
 * ends up in the browser bundle, where a Node-only package either fails the build or — worse —
 * is stubbed and breaks the page at run time (a kinds table that came to import `undici`
 * left the Keys page empty). This walks the server modules the web app imports, transitively,
 * and refuses any Node-only import in that graph.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../..')
const WEB = path.join(ROOT, 'web/src')
const SRC = path.join(ROOT, 'src')

/** Node-only imports already in the graph that work in the browser, and why. */
const TOLERATED = new Map([
  // Mistral's tool-call ids: only called on the server; the browser never reaches the call.
  ['src/providers/mistral/mistral-tool-call-id.ts', new Set(['node:crypto'])],
])

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? files(p) : /\.tsx?$/.test(e.name) ? [p] : []
  })
}

/** Runtime imports of a module (type-only imports vanish from the bundle). */
function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    if (!m[2]) out.push(m[3]!)
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!)
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!)
  return out
}

function resolve(from: string, spec: string): string {
  return path.resolve(path.dirname(from), spec).replace(/\.js$/, '.ts')
}

describe('server modules in the web bundle', () => {
  it('never import Node-only packages', () => {
    const seen = new Set<string>()
    const queue = files(WEB)
      .flatMap((f) => imports(f).map((s) => (s.startsWith('.') ? resolve(f, s) : '')))
      .filter((f) => f.startsWith(SRC))
    expect(queue.length).toBeGreaterThan(0) // the web app does share server modules
    const offending: string[] = []
    while (queue.length > 0) {
      const file = queue.pop()!
      if (seen.has(file)) continue
      seen.add(file)
      const rel = path.relative(ROOT, file)
      for (const spec of imports(file)) {
        if (spec.startsWith('.')) queue.push(resolve(file, spec))
        else if (!TOLERATED.get(rel)?.has(spec)) offending.push(`${rel} imports ${spec}`)
      }
    }
    expect(offending).toEqual([])
  })
})
