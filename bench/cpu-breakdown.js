// Per-call CPU breakdown of a pass-through call (part of `npm run bench`): Latchkey runs under
// `node --cpu-prof` while the load generator sends non-streaming chat completions; each CPU
// sample of the main thread is charged to the innermost frame that names an area (auth, body
// parse, shapes, limits and budgets, upstream I/O, client I/O, metrics, access log, journal,
// usage writer, garbage collection), the rest to "gateway core" (Latchkey's own code) or
// "runtime" (Node's event loop, promises, streams not otherwise claimed). The process's CPU
// time (/proc) divided by the calls served, split by those shares, is where each microsecond
// of a call goes. The profiler itself adds ~10–20 %.
import fs from 'node:fs'
import path from 'node:path'

/** Areas in the order they are tried on each frame, innermost frame first. */
const AREAS = [
  [
    'access log',
    /node_modules\/(pino|sonic-boom|@pinojs|thread-stream)\/|\/server\/logger\.js|observeRequest/,
  ],
  ['metrics', /\/metrics\/|\/gateway\/metrics\.js|\/usage\/call-metrics\.js|\/server\/plugins\/metrics\.js/],
  ['journal', /\/usage\/(journal|line-chunks|call-writer)\.js/],
  ['usage writer (main thread side)', /\/usage\/sqlite-writer-thread\.js|node:internal\/worker/],
  ['auth', /\/server\/plugins\/auth\.js|\/identity\//],
  ['body read + JSON parse', /\/server\/json-body\.js|secure-json-parse|readBody/],
  ['shapes (audit)', /\/gateway\/shape\.js|inputShape|outputShape/],
  ['limits + budgets', /\/gateway\/limits\.js|\/usage\/budgets\//],
  ['upstream I/O (undici, egress)', /node_modules\/undici\/|\/egress\/|wasm:\/\//],
  ['provider adapter (forwarded body, answer parse)', /\/providers\//],
  ['client HTTP (node:http, fast path)', /node:_http_|\/server\/fast-path\.js (take|send)$/],
]

const CORE = 'gateway core (call, attempts, CallEvent, routes)'
/** Latchkey's own compiled code (the bench build, or dist/). */
const OWN = /latchkey-bench-dist\/|^file:\/\/.*\/dist\/(?!.*node_modules)/

function areaOf(url, fn) {
  const key = `${url} ${fn}`
  for (const [name, re] of AREAS) if (re.test(key)) return name
  return null
}

/**
 * Charges a `.cpuprofile`'s samples (between `skipMs` and `untilMs` from its start) to areas; returns
 * `{ totalMs, areas: [[name, ms]] }` with idle time left out.
 */
export function breakdown(profile, skipMs = 0, untilMs = Number.POSITIVE_INFINITY, base = profile.startTime) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const memo = new Map()
  const classify = (id) => {
    if (memo.has(id)) return memo.get(id)
    const leaf = byId.get(id).callFrame.functionName
    let area = null
    if (leaf === '(garbage collector)') area = 'garbage collection'
    else if (leaf === '(idle)') area = 'idle'
    // The innermost frame that names an area decides; failing that, the innermost frame of
    // Latchkey's own code makes it "gateway core"; no such frame at all, "runtime".
    for (let cur = id; area === null && cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame
      area = areaOf(f.url, f.functionName)
      if (area === null && OWN.test(f.url)) area = CORE
    }
    area ??= 'runtime (event loop, promises, streams)'
    memo.set(id, area)
    return area
  }
  const totals = new Map()
  let t = profile.startTime
  // Bounds are relative to `base` (the main thread's start: workers' clocks are the same).
  const from = base + skipMs * 1000
  const until = base + untilMs * 1000
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0
    t += dt
    if (t < from || t > until) continue
    const area = classify(profile.samples[i])
    if (area === 'idle') continue
    // Counted, not weighted by the time since the last sample: a thread the machine's other
    // load kept off the CPU would otherwise charge that wait to whatever it ran next.
    totals.set(area, (totals.get(area) ?? 0) + 1)
    total += 1
  }
  return {
    samples: total,
    areas: [...totals].sort((a, b) => b[1] - a[1]),
  }
}

/** Busy samples of a profile (a worker thread's) between the same bounds. */
export function busySamples(profile, skipMs, untilMs, base) {
  return breakdown(profile, skipMs, untilMs, base).samples
}

/** The `.cpuprofile`s written into `dir` by process `pid`: main thread first, then workers. */
export function profilesOf(dir, pid) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`))
    .sort((a, b) => Number(a.split('.').at(-3)) - Number(b.split('.').at(-3)))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
}

/**
 * Markdown table. The process's CPU time per call (from /proc: every thread) is split between
 * the main thread and the usage writer thread by their busy samples, and the main thread's
 * part between areas by its samples.
 */
export function breakdownTable(b, writerSamples, calls, cpuMs) {
  const perCallUs = (cpuMs * 1000) / calls
  const all = b.samples + writerSamples
  const us = (n) => ((perCallUs * n) / all).toFixed(1)
  const pct = (n) => `${((n / all) * 100).toFixed(1)} %`
  const rows = b.areas.map(([name, n]) => `| ${name} | ${us(n)} | ${pct(n)} |`)
  return [
    '| area | µs per call | share |',
    '|---|---:|---:|',
    ...rows,
    `| usage writer thread (rows, audit chain, SQLite) | ${us(writerSamples)} | ${pct(writerSamples)} |`,
    `| **total (process CPU time per call)** | **${perCallUs.toFixed(1)}** | 100 % |`,
  ].join('\n')
}
