/**
 * An OpenAI-shaped upstream whose answers wait on a gate the test opens: a chat call for a
 * model starting with `held` answers (or, streamed, sends its first chunk and then waits)
 * only after `release()`; any other model answers at once. Scripted gates instead of
 * sleeps: a test waits for `pending` to reach a count, acts, then releases.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { sendJson, startSse } from './fake-http.js'

export interface GatedUpstream {
  baseUrl: string
  /** Held requests waiting for the gate. */
  readonly pending: number
  /** Held requests whose client (Latchkey) went away before the answer. */
  readonly aborted: number
  /** Requests seen, per model. */
  calls: Map<string, number>
  release(): void
  waitPending(n: number): Promise<void>
  close(): Promise<void>
}

const completion = (model: string) => ({
  id: 'chatcmpl-gated',
  object: 'chat.completion',
  created: 1,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
})

const chunk = (model: string, delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-gated',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`

export async function startGatedUpstream(): Promise<GatedUpstream> {
  let waiters: (() => void)[] = []
  let pending = 0
  let aborted = 0
  const calls = new Map<string, number>()
  const pendingWatchers = new Set<() => void>()
  const gate = () =>
    new Promise<void>((resolve) => {
      pending++
      for (const w of pendingWatchers) w()
      waiters.push(() => {
        pending--
        resolve()
      })
    })

  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => {
      raw += c
    })
    req.on('end', async () => {
      const body = JSON.parse(raw || '{}') as { model?: string; stream?: boolean }
      const model = String(body.model ?? '')
      calls.set(model, (calls.get(model) ?? 0) + 1)
      res.on('close', () => {
        if (!res.writableFinished) aborted++
      })
      const held = model.startsWith('held')
      if (!body.stream) {
        if (held) await gate()
        if (!res.destroyed) sendJson(res, 200, completion(model))
        return
      }
      startSse(res)
      res.write(chunk(model, { role: 'assistant', content: 'first ' }))
      if (held) await gate()
      if (res.destroyed) return
      res.write(chunk(model, { content: 'last' }))
      res.write(chunk(model, {}, 'stop'))
      res.end('data: [DONE]\n\n')
    })
  })
  const release = () => {
    const w = waiters
    waiters = []
    for (const f of w) f()
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get pending() {
      return pending
    },
    get aborted() {
      return aborted
    },
    calls,
    release,
    async waitPending(n) {
      for (let i = 0; i < 600 && pending < n; i++) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, 100)
          function done() {
            clearTimeout(t)
            pendingWatchers.delete(done)
            resolve()
          }
          pendingWatchers.add(done)
        })
      }
      if (pending < n) throw new Error(`only ${pending} of ${n} requests reached the upstream`)
    },
    async close() {
      release()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
