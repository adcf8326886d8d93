/**
 * Child process for the kill -9 test: a real runtime on the given LATCHKEY_HOME/DATABASE_URL
 * that emits EMIT call events in bursts and reports progress on stdout, until killed. Like
 * the gateway, which answers a call only once its event is journaled (the journal group-
 * commits at the end of each event-loop turn), it reports a burst only once it is durable.
 */
import { pino } from 'pino'
import { loadConfig } from '../../../src/config/config.js'
import { createRuntime } from '../../../src/server/runtime.js'
import { usageOptions } from '../../../src/usage/setup.js'
import { callEvent } from '../fixtures.js'

const total = Number(process.env.EMIT ?? 20000)
const orgId = process.env.ORG_ID ?? 'org_kill'
usageOptions.writer = { batchSize: 200, segmentBytes: 256 * 1024 }
const rt = await createRuntime(loadConfig(), {
  logger: pino({ level: 'silent' }),
  processMetrics: false,
  pgSchema: process.env.PG_SCHEMA || undefined,
})
let emitted = 0
const report = () =>
  process.stdout.write(
    `${JSON.stringify({ emitted, written: rt.usage.writer.written, depth: rt.usage.writer.depth })}\n`,
  )
while (emitted < total) {
  for (let i = 0; i < 500 && emitted < total; i++, emitted++)
    rt.calls.emit(callEvent(orgId, { latencyMs: emitted }))
  await rt.calls.settled?.()
  report()
  await new Promise((r) => setImmediate(r))
}
setInterval(report, 5)
