import { describe, expect, it } from 'vitest'
import { formatSwapReport } from '../../src/cli/commands/check-swap.js'
import { printList, renderTable, wantsJson } from '../../src/cli/output.js'
import { progressLine } from '../../src/cli/progress.js'
import { manualClock } from '../helpers.js'

const sink = (isTTY?: boolean) => {
  const out = { text: '', isTTY, write: (s: string) => (out.text += s) }
  return out
}

describe('CLI output modes', () => {
  it('--json always wins; report commands keep JSON on a pipe; lists print tables unless --json', () => {
    expect(wantsJson({ json: true }, sink(true))).toBe(true)
    expect(wantsJson({}, sink(true), true)).toBe(false)
    expect(wantsJson({}, sink(false), true)).toBe(true)
    expect(wantsJson({}, sink(false))).toBe(false)
  })

  it('printList: aligned columns with - for empty cells, or {data} JSON', () => {
    const rows = [
      { name: 'a', n: 1, ok: true, url: null },
      { name: 'longer', n: 22, ok: false, url: 'http://x' },
    ]
    const cols = [
      { head: 'NAME', get: (r: (typeof rows)[0]) => r.name },
      { head: 'N', get: (r: (typeof rows)[0]) => r.n },
      { head: 'OK', get: (r: (typeof rows)[0]) => r.ok },
      { head: 'URL', get: (r: (typeof rows)[0]) => r.url },
    ]
    const t = sink(true)
    printList(t, {}, rows, cols)
    expect(t.text).toBe('NAME    N   OK   URL\na       1   yes  -\nlonger  22  no   http://x\n')
    const j = sink(true)
    printList(j, { json: true }, rows, cols)
    expect(JSON.parse(j.text)).toEqual({ data: rows })
    const none = sink(true)
    printList(none, {}, [], cols)
    expect(none.text).toBe('(none)\n')
  })

  it('check-swap reads as a table with the verdict and errors under it', () => {
    const text = formatSwapReport({
      identical: false,
      differences: ['b: finish stop, a: tool_calls'],
      answers: [
        {
          model: 'a/m',
          finish: 'tool_calls',
          toolCalls: [{ name: 'weather', args: { city: 'Paris' } }],
          jsonKeys: null,
          usage: { input: 10, output: 5 },
          costUsd: 0.00001,
          latencyMs: 12,
          error: null,
        },
        {
          model: 'b/m',
          finish: null,
          toolCalls: [],
          jsonKeys: null,
          usage: null,
          costUsd: null,
          latencyMs: 3,
          error: 'server refused (429): budget',
        },
      ],
    } as Parameters<typeof formatSwapReport>[0])
    expect(text).toBe(
      `${renderTable(
        ['model', 'finish', 'tools', 'json keys', 'tokens in/out', 'cost', 'latency'],
        [
          ['a/m', 'tool_calls', 'weather(city)', '-', '10/5', '$0.000010', '12ms'],
          ['b/m', 'error', '-', '-', '-', '-', '3ms'],
        ],
      )}b/m: server refused (429): budget\nDIFFERENT:\n  b: finish stop, a: tool_calls\n`,
    )
  })

  it('progress redraws in place on a terminal at most ten times a second, and says nothing elsewhere', () => {
    const clock = manualClock(0)
    const tty = sink(true)
    const p = progressLine(tty, clock)
    p.update('one')
    p.update('two') // same instant: skipped
    clock.advance(1500)
    p.update('three')
    p.done()
    expect(tty.text).toBe('\r\x1b[Kone (0s)\r\x1b[Kthree (1s)\r\x1b[K')
    const pipe = sink(false)
    const q = progressLine(pipe, clock)
    q.update('x')
    q.done()
    expect(pipe.text).toBe('')
  })
})
