/**
 * Provider swap check: the same request through providers of different wire formats gives
 * structurally identical answers (finish kind, tool names + argument schema, JSON keys), and
 * the CLI reports it against the running server.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/cli/index.js'
import { checkSwap, compareAnswers } from '../../src/providers/check-swap.js'
import type { ChatCompletion } from '../../src/providers/translate/openai-chat.js'
import { clearVertexTokenCache } from '../../src/providers/vertex/vertex-auth.js'
import { ANSWER_SCHEMA, type ProviderTestEnv, providerEnv } from './provider-env.js'

let env: ProviderTestEnv
beforeAll(async () => {
  clearVertexTokenCache()
  env = await providerEnv()
})
afterAll(async () => {
  await env?.close()
})

const SWAP_MODELS = [
  'anth/claude-sonnet-4-5',
  'gem/gemini-2.5-flash',
  'aws/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  'vtx/gemini-2.5-flash',
  'compat/llama-3.3-70b',
]

function sender() {
  return async (_m: string, body: Record<string, unknown>) => {
    const res = await fetch(`${env.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...env.auth('member'), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return (await res.json()) as ChatCompletion
  }
}

describe('check-swap', () => {
  it('tool-call probe: identical across Anthropic, Gemini, Bedrock, Vertex and OpenAI-compatible', async () => {
    const r = await checkSwap(sender(), SWAP_MODELS)
    expect(r.differences).toEqual([])
    expect(r.identical).toBe(true)
    for (const a of r.answers) {
      expect(a).toMatchObject({
        finish: 'tool_calls',
        toolCalls: [{ name: 'get_weather', args: { location: 'string', unit: 'string' } }],
      })
      expect(a.usage?.output).toBe(9)
    }
  })

  it('structured output: same JSON keys everywhere', async () => {
    const request = {
      messages: [{ role: 'user', content: 'Weather as JSON' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: ANSWER_SCHEMA } },
    }
    const r = await checkSwap(sender(), SWAP_MODELS, request)
    expect(r.identical).toBe(true)
    expect(r.answers.map((a) => a.jsonKeys)).toEqual(SWAP_MODELS.map(() => ['city', 'sunny', 'temperature']))
  })

  it('reports differences: finish kind, tool names, argument schema, failures', () => {
    const base = {
      model: 'a',
      finish: 'tool_calls',
      toolCalls: [{ name: 'f', args: { x: 'string' } }],
      jsonKeys: null,
      usage: null,
      costUsd: null,
      latencyMs: 1,
    }
    const r = compareAnswers([
      base,
      { ...base, model: 'b', toolCalls: [{ name: 'f', args: { x: 'number' } }] },
      { ...base, model: 'c', finish: 'stop', toolCalls: [] },
      { ...base, model: 'd', error: 'HTTP 503' },
    ])
    expect(r.identical).toBe(false)
    expect(r.differences).toEqual([
      'd: failed: HTTP 503',
      'tool f arguments: a={"x":"string"} b={"x":"number"}',
      'finish: a=tool_calls c=stop',
      'tool calls: a=[f] c=[]',
    ])
  })

  it('CLI: JSON report on stdout, exit 0 when identical, 1 when not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-swap-'))
    const file = path.join(dir, 'req.json')
    fs.writeFileSync(file, JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }))
    const saved = { url: process.env.LATCHKEY_URL, token: process.env.LATCHKEY_TOKEN }
    process.env.LATCHKEY_URL = env.url
    process.env.LATCHKEY_TOKEN = env.tokens.member
    const out: string[] = []
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s))
      return true
    })
    const se = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      const ok = await main([
        'node',
        'latchkey',
        'check-swap',
        '--models',
        'anth/claude-sonnet-4-5,gem/gemini-2.5-flash',
        '--request',
        file,
      ])
      expect(ok).toBe(0)
      expect(JSON.parse(out.join(''))).toMatchObject({
        identical: true,
        answers: [{ finish: 'stop' }, { finish: 'stop' }],
      })
      out.length = 0
      process.exitCode = undefined
      const bad = await main([
        'node',
        'latchkey',
        'check-swap',
        '--models',
        'anth/claude-sonnet-4-5,anth/claude-overloaded',
        '--request',
        file,
      ])
      expect(bad).toBe(1)
      expect(JSON.parse(out.join(''))).toMatchObject({ identical: false })
    } finally {
      process.exitCode = undefined
      so.mockRestore()
      se.mockRestore()
      process.env.LATCHKEY_URL = saved.url
      process.env.LATCHKEY_TOKEN = saved.token
      if (saved.url === undefined) delete process.env.LATCHKEY_URL
      if (saved.token === undefined) delete process.env.LATCHKEY_TOKEN
    }
  })
})
