/** The usage journal's read-back of spilled lines: from where the last read stopped, in order. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { eventOf, Journal, journalLine } from '../../src/usage/journal.js'
import { callEvent } from './fixtures.js'

const roots: string[] = []
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true })
})
const root = () => {
  const r = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-journal-'))
  roots.push(r)
  return r
}
const line = (i: number, pad = 0) =>
  journalLine(`use_${i}`, callEvent('org_j', { requestedModel: `m/${'é'.repeat(pad)}`, latencyMs: i }))

describe('Journal read-back', () => {
  it('reads spilled lines back in order, a few at a time, through lines longer than its buffer', () => {
    const j = new Journal(root(), 'wr_a', { readBytes: 64 })
    j.open()
    // 3 of the first 5 kept in memory, the rest spilled; some lines several times the buffer.
    j.append(
      [0, 1, 2, 3, 4].map((i) => line(i, i % 2 ? 300 : 0)),
      3,
    )
    j.append(
      [5, 6, 7, 8, 9].map((i) => line(i, i % 3 ? 0 : 500)),
      0,
    )
    expect(j.unloaded).toBe(7)
    const seen: number[] = []
    for (let guard = 0; j.unloaded > 0 && guard < 20; guard++) {
      for (const it of j.loadPending(2)) seen.push(eventOf(it).latencyMs)
    }
    expect(seen).toEqual([3, 4, 5, 6, 7, 8, 9])
    // Appending after a partial read-back keeps the order.
    j.append([line(10)], 0)
    expect(j.loadPending(10).map((it) => eventOf(it).latencyMs)).toEqual([10])
    j.close()
  })

  it('adopts a dead process journal and skips its torn last line', () => {
    const r = root()
    const dead = path.join(r, 'wr_dead')
    fs.mkdirSync(dead)
    fs.writeFileSync(path.join(dead, 'owner'), '999999999')
    fs.writeFileSync(
      path.join(dead, '000001.jsonl'),
      `${[1, 2].map((i) => line(i)).join('\n')}\n{"id":"use_torn","e":{"or`,
    )
    const warnings: string[] = []
    const j = new Journal(r, 'wr_b', { readBytes: 100, onWarn: (m) => warnings.push(m) })
    j.open()
    expect(j.unloaded).toBe(3)
    expect(j.loadPending(10).map((it) => it.id)).toEqual(['use_1', 'use_2'])
    expect(j.unloaded).toBe(0)
    expect(warnings).toContain('journal line unreadable, skipped')
    j.close()
  })
})
