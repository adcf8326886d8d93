// `npm run bench`, scale row (issue 17): gateway throughput through HAProxy with 1 and then 3
// `latchkey serve` instances on one PostgreSQL database and one Redis, and the p99 the balancer
// adds (same offered rate, through HAProxy vs straight to the instance). Reuses the test
// cluster (test/scale/cluster.ts, compiled alone into the bench's cache) and the bench's build.
// Skips, saying why, without PostgreSQL (TEST_DATABASE_URL), Redis (TEST_REDIS_URL) or HAProxy.
// Writes bench/scale-results.md.
import { execFileSync, fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'

const here = import.meta.dirname
const root = path.resolve(here, '..')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const CACHE = path.join(root, 'node_modules/.cache')
const DIST = path.join(CACHE, 'latchkey-bench-dist')
const OUT = path.join(here, 'scale-results.md')
const log = (...a) => process.stderr.write(`[bench scale] ${a.join(' ')}\n`)
const f = (n, d = 0) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(d))

const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => fs.existsSync(p))
const missing = [
  !process.env.TEST_DATABASE_URL && 'PostgreSQL (set TEST_DATABASE_URL)',
  !process.env.TEST_REDIS_URL && 'Redis (set TEST_REDIS_URL)',
  !HAPROXY && 'HAProxy (apt-get install haproxy)',
].filter(Boolean)
if (missing.length) {
  log(`SKIPPED: the scale row needs ${missing.join(', ')}`)
  process.exit(0)
}

function tsc(args) {
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), ...args], {
      cwd: root,
      stdio: 'inherit',
    })
  } catch {
    log('tsc reported errors (JavaScript was still emitted); continuing')
  }
}

// The bench's own build of src/ (bench/run.js makes it; made here when run alone).
if (!fs.existsSync(path.join(DIST, 'cli/index.js'))) tsc(['-p', 'tsconfig.build.json', '--outDir', DIST])
const bin = path.join(DIST, 'bench-bin.js')
fs.writeFileSync(
  bin,
  `import { main } from './cli/index.js'\nmain(process.argv).then((c) => { if (typeof c === 'number') process.exitCode = c })\n`,
)
const clusterOut = path.join(CACHE, 'latchkey-bench-cluster')
tsc([
  path.join(root, 'test/scale/cluster.ts'),
  '--outDir',
  clusterOut,
  '--module',
  'nodenext',
  '--moduleResolution',
  'nodenext',
  '--target',
  'es2022',
  '--skipLibCheck',
  '--types',
  'node',
])
// Its imports (pg) resolve from the repository's node_modules: the cache is inside it.
process.env.LATCHKEY_CLUSTER_BIN = bin
const { Cluster } = await import(path.join(clusterOut, 'cluster.js'))

const chatBody = JSON.stringify({
  model: 'up/m',
  messages: [{ role: 'user', content: 'Say hello' }],
  max_tokens: 16,
})

function cannon(url, token, extra = {}) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/v1/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: chatBody,
        connections: CONNECTIONS,
        duration: SECONDS,
        ...extra,
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    )
  })
}
const summary = (r) => ({
  rps: r.requests.average,
  p50: r.latency.p50,
  p99: r.latency.p99,
  errors: r.errors + r.timeouts + r.non2xx,
})

async function api(base, token, method, p, body) {
  const r = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!r.ok) throw new Error(`${method} ${p} answered ${r.status}: ${await r.text()}`)
  return r.json()
}

const upstream = fork(path.join(here, 'fake-upstream.js'), [], {
  env: { ...process.env, STREAM_CHUNKS: '5', STREAM_GAP_MS: '0' },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
const upPort = await new Promise((r) => upstream.once('message', (m) => r(m.port)))
const cluster = new Cluster()
const began = performance.now()
const loadBefore = os.loadavg()[0].toFixed(2)
try {
  await cluster.createDatabase()
  const first = await cluster.addInstance()
  const owner = await cluster.ownerToken()
  await api(first.url, owner, 'POST', '/api/v1/credentials', {
    name: 'up',
    provider: 'openai-compatible',
    apiKey: 'sk-bench-upstream-key-000000',
    baseUrl: `http://127.0.0.1:${upPort}/v1`,
  })
  const { token } = await api(first.url, owner, 'POST', '/api/v1/tokens', { name: 'bench', role: 'member' })

  log('1 instance behind HAProxy…')
  await cluster.startHaproxy()
  await cannon(cluster.lbUrl, token, { duration: 2 }) // warm-up
  const one = summary(await cannon(cluster.lbUrl, token))
  const half = Math.max(1, Math.floor(one.rps / 2))
  log(`balancer latency at ${half} req/s…`)
  const viaLb = summary(await cannon(cluster.lbUrl, token, { overallRate: half }))
  const direct = summary(await cannon(first.url, token, { overallRate: half }))

  log('3 instances behind HAProxy…')
  await cluster.addInstance()
  await cluster.addInstance()
  await cluster.startHaproxy()
  await cannon(cluster.lbUrl, token, { duration: 2 })
  const three = summary(await cannon(cluster.lbUrl, token))

  const usage = await cluster.query('select count(*)::int as n from usage_records')
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')
  const ratio = three.rps / one.rps
  const md = `# Scale benchmark (issue 17)

Generated by \`npm run bench\` (bench/scale.js) on ${new Date().toISOString()} in ${f((performance.now() - began) / 1000)} s.
Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, load average ${loadBefore} (1 min) at the start, ${load} (1/5/15 min) at the end.
\`latchkey serve\` instances on one PostgreSQL database and one Redis, HAProxy (roundrobin, health check on
/readyz) in front, a fake OpenAI upstream, autocannon (${CONNECTIONS} connections, ${SECONDS} s runs,
non-streaming chat completions) — **all on this one machine**, so the instances, PostgreSQL, Redis,
HAProxy, the upstream and the load generator share its ${os.cpus().length} cores (and whatever else runs on it).

## Throughput through HAProxy

| instances | req/s | p50 ms | p99 ms | errors |
|---:|---:|---:|---:|---:|
| 1 | ${f(one.rps)} | ${f(one.p50, 1)} | ${f(one.p99, 1)} | ${one.errors} |
| 3 | ${f(three.rps)} | ${f(three.p50, 1)} | ${f(three.p99, 1)} | ${three.errors} |

Ratio 3 / 1: **${f(ratio, 2)}×**. On ${os.cpus().length} cores that are also running the load generator,
the upstream, HAProxy, PostgreSQL and Redis, more instances cannot add CPU: the ratio measures the cost of
the scale-out path (balancer hop, Redis-shared limits and counters, PostgreSQL writers), not the gain of
more machines. With each instance on its own cores the gateway path holds no cross-instance lock per call
(no database round trip per request; Redis counters only), so throughput is expected to grow with cores
until PostgreSQL's batched usage/audit writes or Redis become the limit.

## Latency added by the balancer (${half} req/s offered, 1 instance)

| path | p50 ms | p99 ms | errors |
|---|---:|---:|---:|
| straight to the instance | ${f(direct.p50, 1)} | ${f(direct.p99, 1)} | ${direct.errors} |
| through HAProxy | ${f(viaLb.p50, 1)} | ${f(viaLb.p99, 1)} | ${viaLb.errors} |

p99 added by HAProxy: **${f(viaLb.p99 - direct.p99, 1)} ms** (p50: ${f(viaLb.p50 - direct.p50, 1)} ms).
Usage rows written during the run: ${usage[0]?.n ?? 'n/a'}.
`
  fs.writeFileSync(OUT, md)
  process.stdout.write(md)
} finally {
  await cluster.close().catch(() => {})
  upstream.kill()
}
