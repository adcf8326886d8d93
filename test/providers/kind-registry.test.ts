/**
 * An OpenAI-compatible kind is one folder plus its line in compat-kinds.ts: every folder that
 * defines a `<kind>-kind.ts` is listed there, and that one definition is what the kind table,
 * the capabilities and the quirks registry serve.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CAPABILITIES } from '../../src/providers/capabilities.js'
import { COMPAT_KINDS } from '../../src/providers/compat-kinds.js'
import { KIND_NAMES, kindInfo } from '../../src/providers/kinds.js'
import { quirksFor } from '../../src/providers/registry.js'

const ROOT = join(import.meta.dirname, '../../src/providers')
const folders = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && readdirSync(join(ROOT, d.name)).includes(`${d.name}-kind.ts`))
  .map((d) => d.name)

describe('OpenAI-compatible kinds come from their folders', () => {
  it('every folder with a <kind>-kind.ts is listed once in compat-kinds.ts', () => {
    expect(folders.length).toBeGreaterThanOrEqual(10)
    expect(COMPAT_KINDS.map((k) => k.info.kind).sort()).toEqual([...folders].sort())
  })
  it.each(COMPAT_KINDS.map((k) => [k.info.kind, k] as const))(
    '%s: table, capabilities and quirks are its own',
    (kind, def) => {
      expect(KIND_NAMES).toContain(kind)
      expect(kindInfo(kind)).toBe(def.info)
      expect(def.info).toMatchObject({ kind, wire: 'openai' })
      expect(CAPABILITIES[kind]).toBe(def.capabilities)
      expect(quirksFor(kind)).toBe(def.quirks)
      if (def.quirks) expect(def.quirks.kind).toBe(kind)
    },
  )
})
