// `npm run bench`: one bounded run (< 3 min, loopback only) comparing a fake OpenAI upstream
// called directly, through a minimal Node proxy (the floor) and through Latchkey (auth +
// routing + limits + metering + egress guard). Writes bench/results.md.
import { execFileSync, fork, spawn } from 'node:child_process'
import { setMaxListeners } from 'node:events'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Agent, request } from 'undici'
import { breakdown, breakdownTable, busySamples, profilesOf } from './cpu-breakdown.js'
import { CLIENT_CORES, generator, load, pin, SERVER_CORE, TASKSET } from './load.js'

const here = import.meta.dirname
const root = path.resolve(here, '..')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const STREAMS = Number(process.env.BENCH_STREAMS ?? 5000)
const TTFB_SAMPLES = 300
const PROFILE_CONNECTIONS = 8
// The bench builds into its own folder (inside node_modules so packages resolve, ignored by
// git and biome) instead of dist/, which other processes (tests of `serve`) may be using.
const DIST = path.join(root, 'node_modules/.cache/latchkey-bench-dist')
const children = []

const log = (...a) => process.stderr.write(`[bench] ${a.join(' ')}\n`)

function start(file, env = {}, execArgv = []) {
  const child = fork(path.join(here, file), [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  children.push(child)
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, ...m }))
    child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)))
  })
}

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

const chatBody = (model, stream = false) =>
  JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say hello' }],
    max_tokens: 16,
    ...(stream ? { stream: true } : {}),
  })

function cannon(url, model, token, extra = {}) {
  const headers = {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  }
  return load(`${url}/v1/chat/completions`, chatBody(model), headers, {
    connections: extra.connections ?? CONNECTIONS,
    seconds: extra.duration ?? SECONDS,
    rate: extra.overallRate,
  })
}

async function ttfb(url, model, token) {
  const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 })
  const samples = []
  for (let i = 0; i < TTFB_SAMPLES + 20; i++) {
    const t0 = performance.now()
    const r = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: chatBody(model, true),
    })
    let first = 0
    for await (const _ of r.body) if (!first) first = performance.now() - t0
    if (i >= 20) samples.push(first) // first 20: warm-up
  }
  await agent.close()
  samples.sort((a, b) => a - b)
  return { p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] }
}

async function openStreams(url, token, n, pid) {
  const agent = new Agent({ connections: n + 10, keepAliveTimeout: 60_000, headersTimeout: 60_000 })
  const ac = new AbortController()
  setMaxListeners(0, ac.signal)
  let open = 0
  let failed = 0
  const one = async () => {
    try {
      const r = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        signal: ac.signal,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: chatBody('up/hold', true),
      })
      if (r.statusCode !== 200) failed++
      else open++
      r.body.on('error', () => {})
      r.body.resume()
    } catch (err) {
      failed++
      reasons[err?.code ?? err?.name ?? 'error'] = (reasons[err?.code ?? err?.name ?? 'error'] ?? 0) + 1
    }
  }
  const reasons = {}
  const before = rssMb(pid)
  const pending = []
  // Opened in waves so the listen backlog is not the thing being measured.
  for (let i = 0; i < n; i += 200) {
    for (let j = i; j < Math.min(n, i + 200); j++) pending.push(one())
    await new Promise((r) => setTimeout(r, 200))
  }
  await Promise.all(pending)
  const during = rssMb(pid)
  ac.abort()
  await agent.destroy().catch(() => {})
  if (failed) log(`streams that failed to open: ${JSON.stringify(reasons)}`)
  return { before, during, open, failed, reasons }
}

/** Latchkey under `--cpu-prof`, pinned like the others, serving `PROFILE_CONNECTIONS` connections. */
async function profileCalls(upstream) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-prof-'))
  const started = performance.now()
  const p = await start('latchkey-server.js', { UPSTREAM: upstream, LK_DIST: DIST }, [
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--cpu-prof-interval',
    '250',
  ])
  pin(p.child.pid)
  const url = `http://127.0.0.1:${p.port}`
  await cannon(url, 'up/m', p.token, { duration: 2, connections: PROFILE_CONNECTIONS })
  const from = performance.now() - started
  const cpu0 = cpuTimeMs(p.child.pid)
  const r = await cannon(url, 'up/m', p.token, { connections: PROFILE_CONNECTIONS })
  const cpuMs = cpuTimeMs(p.child.pid) - cpu0
  const until = performance.now() - started
  const exited = new Promise((ok) => p.child.once('exit', ok))
  p.child.kill('SIGTERM')
  await exited
  const [main, ...workers] = profilesOf(dir, p.child.pid)
  const calls = r.requests ?? r.rps * SECONDS
  if (!main) return null
  const writer = workers.reduce((n, w) => n + busySamples(w, from, until, main.startTime), 0)
  const out = { table: breakdownTable(breakdown(main, from, until), writer, calls, cpuMs), calls, rps: r.rps }
  fs.rmSync(dir, { recursive: true, force: true })
  return out
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

async function coldStart() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-cold-'))
  const port = await freePort()
  const t0 = performance.now()
  // What `latchkey serve` runs (bin/latchkey.js → cli main), from the bench's own build.
  const script = `const { main } = await import(${JSON.stringify(`${DIST}/cli/index.js`)}); await main(['node', 'latchkey', 'serve'])`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      ...process.env,
      LATCHKEY_HOME: home,
      LATCHKEY_PORT: String(port),
      LATCHKEY_LOG_LEVEL: 'silent',
      LATCHKEY_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += d
  })
  let exited = false
  const exit = new Promise((r) =>
    child.once('exit', () => {
      exited = true
      r()
    }),
  )
  let ms = null
  let cpuMs = null
  while (performance.now() - t0 < 20_000 && !exited) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) {
      ms = performance.now() - t0
      cpuMs = cpuTimeMs(child.pid)
      break
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  if (ms === null) log(`cold start: server did not come up: ${stderr.slice(0, 500)}`)
  child.kill('SIGTERM')
  await exit
  fs.rmSync(home, { recursive: true, force: true })
  return { ms, cpuMs }
}

/** User + system CPU time of a process (Linux /proc; clock ticks at 100 Hz), null elsewhere. */
function cpuTimeMs(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return null
  }
}

const f = (n, d = 0) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(d))
const mark = (ok) => (ok ? 'yes' : '**no**')

async function main() {
  const began = performance.now()
  log(`building ${DIST} (tsc)…`)
  try {
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', DIST],
      {
        cwd: root,
        stdio: 'inherit',
      },
    )
  } catch {
    log('tsc reported errors (JavaScript was still emitted); continuing')
  }
  const buildS = (performance.now() - began) / 1000

  const up = await start('fake-upstream.js', { STREAM_CHUNKS: '5', STREAM_GAP_MS: '0' })
  const upstream = `http://127.0.0.1:${up.port}`
  const floor = await start('floor-proxy.js', { UPSTREAM: upstream })
  const lk = await start('latchkey-server.js', { UPSTREAM: upstream, LK_DIST: DIST })
  const core = await start('latchkey-server.js', { UPSTREAM: upstream, BENCH_SEAMS: 'noop', LK_DIST: DIST })
  // One core for each server under test (the same one: they are measured one after the other),
  // the other cores for the fake upstream, the load generator and this process.
  const pinned = pin(floor.child.pid) && pin(lk.child.pid) && pin(core.child.pid)
  pin(up.child.pid, CLIENT_CORES)
  pin(process.pid, CLIENT_CORES)
  const coreUrl = `http://127.0.0.1:${core.port}`
  const floorUrl = `http://127.0.0.1:${floor.port}`
  const lkUrl = `http://127.0.0.1:${lk.port}`
  log(`upstream ${upstream}, floor ${floorUrl}, latchkey ${lkUrl} (credentials: ${lk.credentials})`)

  // Sanity: Latchkey answers.
  const probe = await fetch(`${lkUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${lk.token}` },
    body: chatBody('up/m'),
  })
  if (probe.status !== 200) throw new Error(`latchkey probe answered ${probe.status}: ${await probe.text()}`)

  log('warm-up…')
  await cannon(lkUrl, 'up/m', lk.token, { duration: 2 })
  await cannon(floorUrl, 'm', null, { duration: 1 })

  log('peak throughput…')
  const direct = await cannon(upstream, 'm', null)
  const fl = await cannon(floorUrl, 'm', null)
  const latch = await cannon(lkUrl, 'up/m', lk.token)
  await cannon(coreUrl, 'up/m', core.token, { duration: 1 })
  const coreOnly = await cannon(coreUrl, 'up/m', core.token)

  log('one connection…')
  const one = { connections: 1 }
  const directOne = await cannon(upstream, 'm', null, one)
  const floorOne = await cannon(floorUrl, 'm', null, one)
  const lkOne = await cannon(lkUrl, 'up/m', lk.token, one)

  const half = Math.max(1, Math.floor(latch.rps / 2))
  log(`half load: ${half} req/s…`)
  const directHalf = await cannon(upstream, 'm', null, { overallRate: half })
  const floorHalf = await cannon(floorUrl, 'm', null, { overallRate: half })
  const lkHalf = await cannon(lkUrl, 'up/m', lk.token, { overallRate: half })

  log('streaming time to first byte…')
  const tDirect = await ttfb(upstream, 'm', null)
  const tFloor = await ttfb(floorUrl, 'm', null)
  const tLk = await ttfb(lkUrl, 'up/m', lk.token)

  log(`${STREAMS} concurrent open streams…`)
  const rss = await openStreams(lkUrl, lk.token, STREAMS, lk.child.pid)

  log('CPU profile of pass-through calls…')
  const prof = await profileCalls(upstream)

  log('cold start…')
  const { ms: cold, cpuMs: coldCpu } = await coldStart()

  const ratio = latch.rps / fl.rps
  const addedP50 = lkHalf.p50 - directHalf.p50
  const addedP99 = lkHalf.p99 - directHalf.p99
  const addedP99One = lkOne.p99 - directOne.p99
  const ttfbOverhead = tLk.p50 - tDirect.p50
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')
  const cpu = os.cpus()[0]?.model ?? 'unknown'
  const md = `# Benchmark results

Generated by \`npm run bench\` on ${new Date().toISOString()}.
Machine: ${os.cpus().length} × ${cpu}, Node ${process.version}, load average ${load} (1/5/15 min at the end of the run).
Everything runs on this one machine over loopback: the fake upstream, the floor proxy and Latchkey each in their own
process, and autocannon in the bench process — so all of them share the same cores, and other work on the machine
shows up in the numbers. ${pinned ? `The servers under test (floor proxy, Latchkey) are pinned with taskset to core ${SERVER_CORE}, one at a time under load; the fake upstream, the load generator and the bench process run on core(s) ${CLIENT_CORES}.` : `Nothing is pinned (${TASKSET ? 'taskset failed' : 'no taskset or a single core'}).`} Load generator: ${generator()} (peak and one-connection runs; autocannon for the fixed-rate half-load run). Each load run lasts ${SECONDS} s with ${CONNECTIONS} connections; non-streaming chat
completions with a small body. Latchkey runs with auth (bearer token from the in-memory cache), model resolution
(credential lookup: ${lk.credentials}), limits check, egress-guarded keep-alive pool, metering (a CallEvent per call
into the usage writer), budgets as configured by default, and logging at \`${process.env.BENCH_LOG_LEVEL ?? 'info'}\` (the default of
\`npm start\`: one access-log line per request, redaction on) written to /dev/null.

## Throughput (peak, ${CONNECTIONS} connections)

| target | req/s | p50 ms | p99 ms | errors |
|---|---:|---:|---:|---:|
| upstream direct | ${f(direct.rps)} | ${f(direct.p50, 1)} | ${f(direct.p99, 1)} | ${direct.errors} |
| floor proxy | ${f(fl.rps)} | ${f(fl.p50, 1)} | ${f(fl.p99, 1)} | ${fl.errors} |
| Latchkey | ${f(latch.rps)} | ${f(latch.p50, 1)} | ${f(latch.p99, 1)} | ${latch.errors} |
| Latchkey, budget guard + usage writer replaced by no-ops (attribution) | ${f(coreOnly.rps)} | ${f(coreOnly.p50, 1)} | ${f(coreOnly.p99, 1)} | ${coreOnly.errors} |

## Latency at one connection (sequential requests)

| target | req/s | p50 ms | p99 ms | errors |
|---|---:|---:|---:|---:|
| upstream direct | ${f(directOne.rps)} | ${f(directOne.p50, 2)} | ${f(directOne.p99, 2)} | ${directOne.errors} |
| floor proxy | ${f(floorOne.rps)} | ${f(floorOne.p50, 2)} | ${f(floorOne.p99, 2)} | ${floorOne.errors} |
| Latchkey | ${f(lkOne.rps)} | ${f(lkOne.p50, 2)} | ${f(lkOne.p99, 2)} | ${lkOne.errors} |

## Latency at half of Latchkey's peak (${half} req/s offered)

| target | p50 ms | p99 ms | errors |
|---|---:|---:|---:|
| upstream direct | ${f(directHalf.p50, 1)} | ${f(directHalf.p99, 1)} | ${directHalf.errors} |
| floor proxy | ${f(floorHalf.p50, 1)} | ${f(floorHalf.p99, 1)} | ${floorHalf.errors} |
| Latchkey | ${f(lkHalf.p50, 1)} | ${f(lkHalf.p99, 1)} | ${lkHalf.errors} |

## Streaming time to first byte (${TTFB_SAMPLES} sequential streamed requests)

| target | p50 ms | p99 ms |
|---|---:|---:|
| upstream direct | ${f(tDirect.p50, 2)} | ${f(tDirect.p99, 2)} |
| floor proxy | ${f(tFloor.p50, 2)} | ${f(tFloor.p99, 2)} |
| Latchkey | ${f(tLk.p50, 2)} | ${f(tLk.p99, 2)} |

## Against the targets

| measure | result | target | met |
|---|---:|---:|:---:|
| throughput vs floor | ${f(ratio, 2)}× | ≥ 0.75× | ${mark(ratio >= 0.75)} |
| added p50 at half load (vs direct) | ${f(addedP50, 2)} ms | — | |
| added p99 at half load (vs direct) | ${f(addedP99, 2)} ms | ≤ 2 ms | ${mark(addedP99 <= 2)} |
| added p99 at one connection (vs direct) | ${f(addedP99One, 2)} ms | ≤ 2 ms | ${mark(addedP99One <= 2)} |
| streaming TTFB overhead (p50, vs direct) | ${f(ttfbOverhead, 2)} ms | ≤ 1 ms | ${mark(ttfbOverhead <= 1)} |
| RSS with ${rss.open} concurrent open streams (${rss.failed} failed to open${rss.failed ? `: ${JSON.stringify(rss.reasons)}` : ''}) | ${f(rss.during)} MB (idle before: ${f(rss.before)} MB) | ≤ 500 MB | ${mark(rss.during <= 500 && rss.open === STREAMS)} |
| cold start (spawn → /healthz 200, fresh SQLite home; server CPU time in brackets) | ${cold === null ? 'n/a' : `${f(cold)} ms (CPU ${f(coldCpu)} ms)`} | ≤ 2000 ms | ${mark(cold !== null && cold <= 2000)} |

## Where a pass-through call's CPU goes (main thread, profiler)

${
  prof
    ? `Latchkey (same setup, pinned) under \`node --cpu-prof\` (250 µs sampling), ${PROFILE_CONNECTIONS} connections for ${SECONDS} s: ${prof.calls} calls at ${f(prof.rps)} req/s. Each sample is charged to the innermost frame naming an area (bench/cpu-breakdown.js); the profiler adds 10–20 %, and on this VM a system call costs several µs, so the I/O rows are mostly kernel time (on loopback the sender's write also does the receiver's TCP work). The usage writer's SQLite work runs in its own thread and is not in this table.

${prof.table}`
    : 'No profile was written.'
}

Whole bench: ${f((performance.now() - began) / 1000)} s (of which tsc build ${f(buildS)} s).

## Reading these numbers
- The load generator shares the machine with the servers it measures (on the other core when pinned), so peak
  numbers are a lower bound for every target alike; the ratio to the floor is the meaningful figure. Latchkey's latency includes the extra loopback hop
  that any proxy adds (the floor pays it too).
- Latchkey sends stream headers only after the upstream's first event (so a failure before the first byte can
  still fail over); TTFB is measured to the first body byte, where this costs nothing.
- Since 2026-11-23 16:20 Latchkey logs at \`info\` here (what \`npm start\` does); earlier results ran it with
  logging silenced, so their ratios are not comparable with later ones (logging costs a few percent).
- The attribution row replaces only the usage area's budget guard and call writer (journal append, SQLite batch
  inserts and audit-chain hashing, all on the event loop); the gap between it and the full row is their cost.
- Cold start: wall time swings with the machine's other load (the server may wait for a core); the CPU time of
  the server process up to the first /healthz 200 is the steadier figure.
- Numbers move by ±30 % between runs on this shared machine (the floor alone has ranged 5,700–12,400 req/s in
  one hour); compare ratios, and only between runs taken close together.
- See docs/gateway.md for what runs on the hot path and what is deferred.
`
  fs.writeFileSync(path.join(here, 'results.md'), md)
  process.stdout.write(md)
}

main()
  .catch((err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`)
    process.exitCode = 1
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM')
  })
