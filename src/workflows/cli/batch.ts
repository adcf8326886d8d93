/**
 * `latchkey run --batch`: one run per input item with bounded concurrency, one JSONL result
 * line per finished item (appended as it finishes, so an interrupted batch loses nothing),
 * and resumable: items whose key already has a succeeded line in the output are skipped.
 * Progress: a bar (done/failed, tokens, cost, ETA) on a TTY, plain lines otherwise.
 * @module
 */
import fs from 'node:fs'
import cliProgress from 'cli-progress'
import { ApiError, type JsonClient } from '../../cli/api-client.js'
import { type RunJson, waitForRun } from './api-client.js'
import type { BatchItem } from './batch-input.js'
import { usd } from './summary.js'

export interface BatchOptions {
  client: JsonClient
  workflowId: string
  items: BatchItem[]
  models: Record<string, string>
  concurrency: number
  out: string
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
}

export interface BatchTotals {
  total: number
  skipped: number
  done: number
  failed: number
  inputTokens: number
  outputTokens: number
  costUsd: number
}

/** Keys already succeeded in an existing results file. */
function finishedKeys(out: string): Set<string> {
  const keys = new Set<string>()
  if (!fs.existsSync(out)) return keys
  for (const line of fs.readFileSync(out, 'utf8').split('\n')) {
    if (!line.trim()) continue
    try {
      const r = JSON.parse(line) as { key?: string; status?: string }
      if (r.status === 'succeeded' && r.key) keys.add(r.key)
    } catch {
      // A torn last line from an interrupted batch: that item simply runs again.
    }
  }
  return keys
}

export async function runBatch(o: BatchOptions): Promise<BatchTotals> {
  const skip = finishedKeys(o.out)
  const todo = o.items.filter((it) => !skip.has(it.key))
  const t: BatchTotals = {
    total: o.items.length,
    skipped: o.items.length - todo.length,
    done: 0,
    failed: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  }
  const fd = fs.openSync(o.out, 'a')
  const tty = o.stderr.isTTY === true
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          stream: o.stderr as NodeJS.WritableStream,
          format:
            'batch [{bar}] {value}/{total} | failed {failed} | tokens {tokens} | cost {cost} | ETA {eta_formatted}',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined
  const payload = () => ({ failed: t.failed, tokens: t.inputTokens + t.outputTokens, cost: usd(t.costUsd) })
  bar?.start(todo.length, 0, payload())
  if (!tty && t.skipped)
    o.stderr.write(`batch: ${t.skipped} of ${t.total} items already done in ${o.out}, skipping them\n`)
  const started = Date.now()

  const one = async (it: BatchItem) => {
    let line: Record<string, unknown>
    try {
      const { id } = await o.client.call<{ id: string }>('POST', `/api/v1/workflows/${o.workflowId}/runs`, {
        inputs: it.inputs,
        models: o.models,
      })
      const r: RunJson = await waitForRun(o.client, id)
      line = {
        index: it.index,
        key: it.key,
        runId: r.id,
        status: r.status,
        output: r.output,
        error: r.error,
        usage: r.usage,
        costUsd: r.costUsd,
      }
      t.inputTokens += r.usage.inputTokens
      t.outputTokens += r.usage.outputTokens
      t.costUsd += r.costUsd ?? 0
      if (r.status === 'succeeded') t.done++
      else t.failed++
    } catch (err) {
      // A refused item (bad inputs, budget) is recorded and the batch goes on.
      if (err instanceof ApiError && err.status === 0) throw err
      line = { index: it.index, key: it.key, status: 'error', error: (err as Error).message }
      t.failed++
    }
    fs.writeSync(fd, `${JSON.stringify(line)}\n`)
    const n = t.done + t.failed
    if (bar) bar.update(n, payload())
    else if (n === todo.length || n % Math.max(1, Math.ceil(todo.length / 20)) === 0) {
      const rate = n / Math.max(1, Date.now() - started)
      const eta = Math.round((todo.length - n) / rate / 1000)
      o.stderr.write(
        `batch: ${n}/${todo.length} done, ${t.failed} failed, ${t.inputTokens + t.outputTokens} tokens, ${usd(t.costUsd)}, eta ${eta}s\n`,
      )
    }
  }

  let next = 0
  const worker = async () => {
    while (next < todo.length) await one(todo[next++]!)
  }
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, todo.length) }, worker))
  } finally {
    bar?.stop()
    fs.closeSync(fd)
  }
  return t
}
