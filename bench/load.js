// Load generation and CPU pinning for the benches. wrk (C, one thread) when installed: it costs
// far less CPU per request than autocannon, so on a small machine the load generator takes
// less from the servers it measures; autocannon otherwise (and for fixed-rate runs, which wrk
// cannot do). Servers are pinned to one core with taskset when available, so "req/s on one
// core" means what it says and the load generator runs on the other core.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'

function has(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export const WRK = process.env.BENCH_NO_WRK === '1' ? false : has('wrk')
// BENCH_PIN=0: no pinning (on a machine whose other load fills a core, a pinned server gets only
// what that load leaves of its one core).
export const TASKSET = process.env.BENCH_PIN !== '0' && has('taskset') && os.cpus().length >= 2

/** Cores: servers under test on the last core, load generator and fake upstream on the others. */
export const SERVER_CORE = os.cpus().length - 1

/** Pins every thread of `pid` to `core` (no-op without taskset). */
export function pin(pid, core = SERVER_CORE) {
  if (!TASKSET) return false
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** The other cores, for the load generator and the fake upstream. */
export const CLIENT_CORES = TASKSET
  ? Array.from({ length: os.cpus().length }, (_, i) => i)
      .filter((i) => i !== SERVER_CORE)
      .join(',')
  : ''

const toMs = (v, unit) =>
  Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1)

/** Parses wrk's --latency report. */
export function parseWrk(text) {
  const pct = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text)
    return m ? toMs(m[1], m[2]) : Number.NaN
  }
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0)
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? Number.NaN)
  return { rps, p50: pct(50), p99: pct(99), errors, requests }
}

let scriptDir
function luaScript(body, headers) {
  scriptDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-wrk-'))
  const file = path.join(scriptDir, `post-${Math.random().toString(36).slice(2)}.lua`)
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(body)}`,
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
  ]
  fs.writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

function runWrk(url, body, headers, connections, seconds) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', luaScript(body, headers), url]
  const cmd = TASKSET ? 'taskset' : 'wrk'
  const argv = TASKSET ? ['-c', CLIENT_CORES, 'wrk', ...args] : args
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk exited ${code}`)),
    )
  })
}

function runCannon(url, body, headers, connections, seconds, rate) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        headers,
        body,
        connections,
        duration: seconds,
        ...(rate ? { overallRate: rate } : {}),
      },
      (err, r) =>
        err
          ? reject(err)
          : resolve({
              rps: r.requests.average,
              p50: r.latency.p50,
              p99: r.latency.p99,
              errors: r.errors + r.timeouts + r.non2xx,
              requests: r.requests.total,
            }),
    )
  })
}

/**
 * One load run: `{ rps, p50, p99, errors }` (latencies in ms). `rate` (req/s overall) forces
 * autocannon, which can hold a fixed rate; otherwise wrk when installed.
 */
export function load(url, body, headers, { connections, seconds, rate }) {
  if (WRK && !rate) return runWrk(url, body, headers, connections, seconds)
  return runCannon(url, body, headers, connections, seconds, rate)
}

export const generator = () => (WRK ? 'wrk' : 'autocannon')
