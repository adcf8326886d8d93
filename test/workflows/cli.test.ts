import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { compareCommand } from '../../src/cli/commands/compare.js'
import { runCommand } from '../../src/cli/commands/run.js'
import { createE2eEnv, type E2eEnv } from './e2e-env.js'

function capture() {
  const stdout: string[] = []
  const err = new PassThrough()
  const stderr: string[] = []
  err.on('data', (c) => stderr.push(String(c)))
  return {
    io: { stdout: { write: (s: string) => stdout.push(s) }, stderr: err },
    out: () => stdout.join(''),
    err: () => stderr.join(''),
  }
}

function tmp(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-cli-'))
  const f = path.join(dir, name)
  fs.writeFileSync(f, text)
  return f
}

const CLASSIFY = `
name: classify
inputs: { text: string }
steps:
  - id: label
    model: oa/gpt-4o-mini
    prompt: "Classify: {{ inputs.text }}"
    output: { schema: { type: object, required: [label], properties: { label: { type: string } } } }
output: "{{ steps.label.output }}"
`

// The CLI is a client of a running server: these suites run it against a listening app with
// the real gateway, so SQLite is enough here (engine suites cover PostgreSQL).
describe('latchkey run / compare against a running server', () => {
  let env: E2eEnv
  afterEach(async () => {
    await env?.close()
  })
  const ioEnv = () => ({ LATCHKEY_URL: env.url, LATCHKEY_TOKEN: env.tokens.member })

  it('run --input prints only the output JSON on stdout and a per-step summary on stderr', async () => {
    env = await createE2eEnv('sqlite')
    env.openai.words = ['{"label":', '"invoice"}']
    const c = capture()
    const code = await runCommand(
      tmp('r.yaml', CLASSIFY),
      { input: tmp('in.json', '{"text":"pay me"}') },
      { ...c.io, env: ioEnv() },
    )
    expect(code).toBe(0)
    expect(JSON.parse(c.out())).toEqual({ label: 'invoice' })
    expect(c.err()).toMatch(/run run_\S+: succeeded/)
    expect(c.err()).toMatch(/label\s+oa\/gpt-4o-mini\s+succeeded\s+\d+\/\d+\s+\$/)
    // Same file again reuses the saved version; an edited file becomes version 2; --set overrides.
    const again = capture()
    const edited = tmp('r.yaml', CLASSIFY.replace('Classify:', 'Label:'))
    await runCommand(
      edited,
      { input: tmp('in.json', '{"text":"x"}'), set: ['label.model=an/claude-x'] },
      { ...again.io, env: ioEnv() },
    )
    expect(again.err()).toMatch(/workflow version 2/)
    expect(again.err()).toMatch(/label\s+an\/claude-x/)
    const bad = capture()
    await expect(
      runCommand(tmp('r.yaml', 'name: [\n'), { input: 'x' }, { ...bad.io, env: ioEnv() }),
    ).rejects.toThrow(/invalid YAML at line/)
  })

  it('--batch: 200 items at concurrency 8, all done, costs summed, resumable', async () => {
    env = await createE2eEnv('sqlite')
    env.openai.words = ['{"label":"ok"}']
    const items = Array.from({ length: 200 }, (_, i) => JSON.stringify({ text: `item ${i}` })).join('\n')
    const batch = tmp('in.jsonl', `${items}\n`)
    const out = path.join(path.dirname(batch), 'results.jsonl')
    const c = capture()
    const code = await runCommand(
      tmp('r.yaml', CLASSIFY),
      { batch, concurrency: '8', out },
      { ...c.io, env: ioEnv() },
    )
    expect(code).toBe(0)
    const lines = fs
      .readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(200)
    expect(lines.every((l) => l.status === 'succeeded' && l.output.label === 'ok')).toBe(true)
    expect(new Set(lines.map((l) => l.index)).size).toBe(200)
    const cost = lines.reduce((a, l) => a + l.costUsd, 0)
    expect(cost).toBeGreaterThan(0)
    expect(c.err()).toMatch(/batch: 200\/200 done, 0 failed/)
    expect(c.err()).toContain('200 succeeded, 0 failed')
    expect(c.err()).toContain(`$${cost.toFixed(cost < 0.01 ? 6 : 4)}`)
    const upstreamCalls = env.openai.requests.filter((r) => r.path === '/v1/chat/completions').length
    expect(upstreamCalls).toBe(200)

    // Interrupted batch: drop 5 result lines; a re-run does exactly those 5.
    fs.writeFileSync(
      out,
      `${lines
        .slice(0, 195)
        .map((l) => JSON.stringify(l))
        .join('\n')}\n{"torn`,
    )
    const again = capture()
    expect(
      await runCommand(
        tmp('r.yaml', CLASSIFY),
        { batch, concurrency: '8', out },
        { ...again.io, env: ioEnv() },
      ),
    ).toBe(0)
    expect(again.err()).toContain('195 of 200 items already done')
    expect(env.openai.requests.filter((r) => r.path === '/v1/chat/completions').length).toBe(205)
  })

  it('compare across two providers: same shape, schema valid, tokens, cost and latency side by side', async () => {
    env = await createE2eEnv('sqlite')
    env.openai.words = ['{"label":"a"}']
    env.anthropic.reply = () => '{"label":"b"}'
    const recipe = tmp('r.yaml', CLASSIFY)
    const input = tmp('in.json', '{"text":"t"}')
    const c = capture()
    const code = await compareCommand(
      recipe,
      { input, models: 'oa/gpt-4o-mini,an/claude-sonnet-4-5' },
      { ...c.io, env: ioEnv() },
    )
    expect(code).toBe(0)
    const report = JSON.parse(c.out())
    expect(report.shapesEqual).toBe(true)
    expect(report.columns.map((x: { model: string }) => x.model)).toEqual([
      'oa/gpt-4o-mini',
      'an/claude-sonnet-4-5',
    ])
    expect(report.columns[1]).toMatchObject({
      status: 'succeeded',
      schemaValid: true,
      sameShapeAsFirst: true,
      usage: { inputTokens: 12, outputTokens: 7 },
    })
    expect(report.columns[0].outputShape).toEqual({
      type: 'object',
      properties: { label: { type: 'string' } },
    })
    expect(c.err()).toMatch(/an\/claude-sonnet-4-5\s+succeeded\s+yes\s+yes\s+12\/7/)

    env.anthropic.reply = () => '{"label":"b","extra":1}'
    const diff = capture()
    expect(
      await compareCommand(
        recipe,
        { input, models: 'oa/gpt-4o-mini,an/claude-sonnet-4-5' },
        { ...diff.io, env: ioEnv() },
      ),
    ).toBe(1)
    expect(diff.err()).toContain('output shape DIFFERS')
  })
})
