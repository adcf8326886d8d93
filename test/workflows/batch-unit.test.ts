import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { JsonClient } from '../../src/cli/api-client.js'
import { runBatch } from '../../src/workflows/cli/batch.js'
import { parseBatch, parseCsv } from '../../src/workflows/cli/batch-input.js'

describe('batch inputs', () => {
  it('parses RFC 4180 CSV with quotes, commas and newlines; typed cells', () => {
    expect(parseCsv('a,b\n"x, y","he said ""hi""\nnext"\r\n1,2')).toEqual([
      ['a', 'b'],
      ['x, y', 'he said "hi"\nnext'],
      ['1', '2'],
    ])
    const types = { text: 'string', zip: 'string', n: 'integer?', ok: 'boolean', tags: { type: 'array' } }
    const items = parseBatch('text,zip,n,ok,tags\nhello,02134,3,true,"[""a""]"\n', 'in.csv', types)
    expect(items).toEqual([
      {
        index: 0,
        key: expect.any(String),
        inputs: { text: 'hello', zip: '02134', n: 3, ok: true, tags: ['a'] },
      },
    ])
    expect(() => parseBatch('{"a":1}\nnope\n', 'in.jsonl')).toThrow('line 2: not valid JSON')
    expect(() => parseBatch('a,b\n1\n', 'x.csv')).toThrow(/row 2: 1 cells/)
  })

  it('draws a progress bar on a TTY and records refused items without stopping', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-b-')), 'r.jsonl')
    let n = 0
    const client: JsonClient = {
      async call<T>(method: string, p: string, body?: unknown): Promise<T> {
        if (method === 'POST') {
          if ((body as { inputs: { i: number } }).inputs.i === 3)
            throw new Error('server refused (400): inputs: bad')
          return { id: `run_${n++}` } as T
        }
        return {
          id: p,
          status: 'succeeded',
          steps: [],
          output: 1,
          error: null,
          usage: { inputTokens: 2, outputTokens: 1 },
          costUsd: 0.5,
          waitingReview: null,
        } as T
      },
    }
    const stderr = Object.assign(new PassThrough(), { isTTY: true })
    let text = ''
    stderr.on('data', (c) => (text += c))
    const items = parseBatch(Array.from({ length: 5 }, (_, i) => JSON.stringify({ i })).join('\n'), 'x.jsonl')
    const t = await runBatch({ client, workflowId: 'wf', items, models: {}, concurrency: 2, out, stderr })
    expect(t).toMatchObject({ total: 5, done: 4, failed: 1, inputTokens: 8, outputTokens: 4, costUsd: 2 })
    expect(text).toMatch(/batch \[.*\] 5\/5 \| failed 1 \| tokens 12 \| cost \$2\.0000/)
    const lines = fs
      .readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.find((l) => l.index === 3)).toMatchObject({
      status: 'error',
      error: 'server refused (400): inputs: bad',
    })
  })
})
