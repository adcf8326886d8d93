// Translation-path bench (part of `npm run bench`): OpenAI Chat → Latchkey → Anthropic Messages
// → back to Chat, against a minimal Node proxy that only forwards Anthropic bytes (the floor).
// Target: ≥ 0.5× the floor's throughput. Writes bench/translation-results.md. Uses the build
// bench/run.js made (or dist/ from `npm run build`).
//
// Method: both servers are warmed up (JIT) first, then measured in alternating rounds
// (floor, Latchkey, floor, …) so that the machine's drifting speed hits both alike; the
// headline is the median of the per-round ratios. Afterwards Latchkey's usage writer must
// have written every call (metering is not deferred past the measurement).
import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'

const here = import.meta.dirname
// The build bench/run.js makes (its own folder, so tests using dist/ are undisturbed), else dist/.
const BENCH_DIST = path.resolve(here, '../node_modules/.cache/latchkey-bench-dist')
const DIST = process.env.LK_DIST ?? (fs.existsSync(BENCH_DIST) ? BENCH_DIST : path.resolve(here, '../dist'))
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const children = []
const log = (...a) => process.stderr.write(`[bench:translation] ${a.join(' ')}\n`)

function start(file, env = {}) {
  const child = fork(path.join(here, file), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  children.push(child)
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, ...m }))
    child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)))
  })
}

function cannon(url, body, headers, duration = SECONDS) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        connections: CONNECTIONS,
        duration,
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    )
  })
}

/** CPU cost of mapping one request and one response (the translation proper). */
async function mappingCost() {
  const dist = path.join(DIST, 'providers')
  const { convertToAnthropicRequest } = await import(`${dist}/anthropic/convert-to-anthropic-request.js`)
  const { convertAnthropicResponse } = await import(`${dist}/anthropic/convert-anthropic-response.js`)
  const { anthropicMessageSchema } = await import(`${dist}/anthropic/anthropic-api.js`)
  const { TranslateContext } = await import(`${dist}/translate/translate-context.js`)
  const req = {
    model: 'x',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { location: { type: 'string' } } },
        },
      },
    ],
    max_tokens: 100,
  }
  const res = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
    ],
    stop_reason: 'tool_use',
    usage: { input_tokens: 10, output_tokens: 5 },
  }
  const text = JSON.stringify(res)
  const N = 20_000
  const t0 = performance.now()
  for (let i = 0; i < N; i++) {
    JSON.stringify(convertToAnthropicRequest(req, 'claude', new TranslateContext()))
    JSON.stringify(convertAnthropicResponse(anthropicMessageSchema.parse(JSON.parse(text)), 1))
  }
  const us = ((performance.now() - t0) * 1000) / N
  return { us, perSec: 1e6 / us }
}

const summary = (r) => ({
  rps: r.requests.average,
  p50: r.latency.p50,
  p99: r.latency.p99,
  errors: r.errors + r.non2xx,
})

try {
  const up = await start('anthropic-fake-upstream.js')
  const upstream = `http://127.0.0.1:${up.port}`
  const floor = await start('translation-floor.js', { UPSTREAM: upstream })
  const lk = await start('latchkey-translation-server.js', { UPSTREAM: upstream, LK_DIST: DIST })
  const anthropicBody = JSON.stringify({
    model: 'claude-bench',
    max_tokens: 16,
    messages: [{ role: 'user', content: 'Say hello' }],
  })
  const chatBody = JSON.stringify({
    model: 'anth/claude-bench',
    max_tokens: 16,
    messages: [{ role: 'user', content: 'Say hello' }],
  })
  const floorUrl = `http://127.0.0.1:${floor.port}/v1/messages`
  const lkUrl = `http://127.0.0.1:${lk.port}/v1/chat/completions`
  const auth = { authorization: `Bearer ${lk.token}` }
  log(`warm-up ${WARMUP}s each`)
  await cannon(floorUrl, anthropicBody, {}, WARMUP)
  await cannon(lkUrl, chatBody, auth, WARMUP)
  const rounds = []
  let lkRequests = 0
  for (let i = 0; i < ROUNDS; i++) {
    log(`round ${i + 1}/${ROUNDS}: floor ${SECONDS}s, latchkey ${SECONDS}s`)
    const fl = summary(await cannon(floorUrl, anthropicBody, {}))
    const rawTr = await cannon(lkUrl, chatBody, auth)
    lkRequests += rawTr.requests.total
    const tr = summary(rawTr)
    rounds.push({ fl, tr, ratio: tr.rps / fl.rps })
  }
  const byRatio = [...rounds].sort((a, b) => a.ratio - b.ratio)
  const mid = byRatio[Math.floor(byRatio.length / 2)]
  const { fl, tr, ratio } = mid
  lk.child.send('stats')
  const stats = await new Promise((resolve) => lk.child.on('message', (m) => m.stats && resolve(m.stats)))
  const micro = await mappingCost()
  const f = (n, d = 0) => Number(n).toFixed(d)
  const md = `# Translation path bench

OpenAI Chat Completions in, Anthropic Messages upstream (translated both ways, with auth,
routing, limits, metering and the egress guard on) vs a minimal Node proxy forwarding Anthropic
bytes to the same fake upstream. ${CONNECTIONS} connections, loopback, one machine; ${WARMUP} s of
warm-up each, then ${ROUNDS} alternating rounds of ${SECONDS} s per server (the table shows the median round by
ratio; every round is listed below it). Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, load average
${os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ')} at the end of the run (other work on the machine skews both rows).

| path | req/s | p50 ms | p99 ms | errors |
|---|---|---|---|---|
| floor proxy (no translation) | ${f(fl.rps)} | ${f(fl.p50, 1)} | ${f(fl.p99, 1)} | ${fl.errors} |
| Latchkey, Chat → Anthropic → Chat | ${f(tr.rps)} | ${f(tr.p50, 1)} | ${f(tr.p99, 1)} | ${tr.errors} |

Throughput vs floor: **${f(ratio, 2)}×** (median of ${ROUNDS} rounds; target ≥ 0.5×: ${ratio >= 0.5 ? 'met' : 'NOT met'}).
Every round (floor req/s, Latchkey req/s, ratio): ${rounds.map((r) => `${f(r.fl.rps)} / ${f(r.tr.rps)} = ${f(r.ratio, 2)}×`).join('; ')}.

Metering kept up: after the runs the usage writer had ${stats.written} calls in the database${stats.written >= lkRequests ? ` (every one of the ${lkRequests} measured calls and the warm-up's)` : ` of ${lkRequests} measured`}, ${stats.depth} still waiting.

Translation work alone (in process, no I/O; request Chat → Anthropic with a tool, response
Anthropic → Chat with a tool call): **${f(micro.us, 1)} µs per call** (${f(micro.perSec)} calls/s on one core),
i.e. the mapping itself is not what bounds the throughput above; compare with the pass-through
row of bench/results.md (same gateway core, no translation) to see the translation overhead.
`
  fs.writeFileSync(path.join(here, 'translation-results.md'), md)
  process.stdout.write(md)
} finally {
  for (const c of children) c.kill('SIGTERM')
}
