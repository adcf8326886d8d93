// Usage writer benchmark: call events → usage rows + chained audit records on embedded
// SQLite, through the real runtime from dist/ (build first: `npm run build`).
//   node bench/writer.js            (BENCH_ROWS=100000 by default)
// Prints rows/s (each row is one usage record plus one audit record in the org's hash chain)
// and the worst event-loop delay seen while writing (how much the writer holds the loop).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { pino } from 'pino'

const dist = path.resolve(process.env.LATCHKEY_DIST ?? path.join(import.meta.dirname, '../dist'))
const { loadConfig } = await import(`${dist}/config/config.js`)
const { createRuntime } = await import(`${dist}/server/runtime.js`)
const { usageOptions } = await import(`${dist}/usage/setup.js`)
usageOptions.writer = {
  ...(process.env.BENCH_BATCH ? { batchSize: Number(process.env.BENCH_BATCH) } : {}),
  // BENCH_KYSELY=1 measures the portable Kysely path instead of the SQLite prepared-statement one.
  sqliteFastPath: process.env.BENCH_KYSELY !== '1',
}

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000)
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-writer-'))
const rt = await createRuntime(
  loadConfig({
    LATCHKEY_HOME: home,
    LATCHKEY_LOG_LEVEL: 'silent',
    LATCHKEY_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
  }),
  { logger: pino({ level: 'silent' }), processMetrics: false },
)

const event = (i) => ({
  requestId: `req_bench_${i}`,
  ts: Date.now(),
  orgId: i % 10 === 0 ? 'org_b' : 'org_a',
  workspaceId: 'ws_1',
  principalId: 'tok_1',
  principalKind: 'token',
  userId: 'usr_1',
  tokenId: 'tok_1',
  credentialId: 'cred_1',
  provider: 'openai',
  requestedModel: 'openai-prod/gpt-4o-mini',
  model: 'gpt-4o-mini',
  endpoint: 'chat',
  stream: i % 2 === 0,
  route: null,
  attempt: 1,
  attempts: 1,
  runId: null,
  stepId: null,
  workflowId: null,
  status: 'ok',
  httpStatus: 200,
  errorCode: null,
  latencyMs: 100 + (i % 50),
  ttftMs: 30,
  usage: { inputTokens: 500, outputTokens: 120, cachedReadTokens: 100 },
  costUsd: 0.000147,
  inputShape: {
    messages: 3,
    roles: { system: 1, user: 2 },
    chars: 1800,
    params: ['temperature', 'max_tokens'],
  },
  outputShape: { messages: 1, chars: 480, finishReason: 'stop' },
})

const loop = monitorEventLoopDelay({ resolution: 1 })
loop.enable()
const t0 = performance.now()
const cpu0 = process.cpuUsage()
// Emit in bursts the way traffic arrives: a couple of hundred per turn of the event loop.
for (let i = 0; i < ROWS; ) {
  for (let j = 0; j < 200 && i < ROWS; j++, i++) rt.calls.emit(event(i))
  await new Promise((r) => setImmediate(r))
}
const emitted = performance.now() - t0
const ok = await rt.usage.writer.flush(300_000)
const total = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
loop.disable()
const count = await rt.db.db
  .selectFrom('usage_records')
  .select((eb) => eb.fn.countAll().as('n'))
  .executeTakeFirstOrThrow()
const result = {
  rows: ROWS,
  written: Number(count.n),
  flushed: ok,
  seconds: +(total / 1000).toFixed(2),
  rowsPerSecond: Math.round((ROWS / total) * 1000),
  // Wall-clock rows/s depends on what else the machine runs; rows per CPU-second of this
  // process (emit + write, user + system) is the writer's own cost.
  rowsPerCpuSecond: Math.round(ROWS / ((cpu.user + cpu.system) / 1e6)),
  // Emitting interleaves with writing (batches run between bursts), so this is not emit() alone.
  emitPhaseMicrosPerEvent: +((emitted * 1000) / ROWS).toFixed(2),
  maxEventLoopDelayMs: +(loop.max / 1e6).toFixed(1),
  p99EventLoopDelayMs: +(loop.percentile(99) / 1e6).toFixed(1),
}
await rt.close()
fs.rmSync(home, { recursive: true, force: true })
process.stdout.write(`${JSON.stringify(result)}\n`)
if (!ok || result.written !== ROWS) process.exitCode = 1
