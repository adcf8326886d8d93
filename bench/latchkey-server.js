// Latchkey for the bench: the real runtime and app from dist/ (auth, routing, limits,
// metering, egress guard all on), a fresh SQLite home, one org token and one credential for
// the bench upstream created through the vault's API when available.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pino } from 'pino'

const dist = process.env.LK_DIST ?? path.resolve(import.meta.dirname, '../dist')
const { loadConfig } = await import(`${dist}/config/config.js`)
const { createRuntime } = await import(`${dist}/server/runtime.js`)
const { buildApp } = await import(`${dist}/server/app.js`)
const { ensureDefaultOrg } = await import(`${dist}/identity/orgs.js`)
const { insertToken } = await import(`${dist}/identity/tokens-repo.js`)
const { createLogger } = await import(`${dist}/server/logger.js`)

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'))
const config = loadConfig({
  LATCHKEY_HOME: home,
  LATCHKEY_LOG_LEVEL: 'silent',
  LATCHKEY_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
})
// Logging as `npm start` runs it (level info, redaction, access log line per request), written
// to /dev/null so the bench's terminal stays readable; BENCH_LOG_LEVEL=silent for none.
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info'
const logger =
  logLevel === 'silent'
    ? pino({ level: 'silent' })
    : createLogger(logLevel, {
        pretty: false,
        destination: pino.destination({ dest: '/dev/null', sync: false }),
      })
const rt = await createRuntime(config, { logger, processMetrics: false })
const app = await buildApp(rt)
await app.ready()
const { orgId, workspaceId } = await ensureDefaultOrg(rt.db.db)
const { raw: ownerToken } = await insertToken(rt.db.db, {
  orgId,
  workspaceId,
  userId: null,
  name: 'bench-owner',
  role: 'owner',
  createdBy: 'bench',
})
const { raw: token } = await insertToken(rt.db.db, {
  orgId,
  workspaceId,
  userId: null,
  name: 'bench',
  role: 'member',
  createdBy: 'bench',
})

let credentials = 'vault'
const created = await app.inject({
  method: 'POST',
  url: '/api/v1/credentials',
  headers: { authorization: `Bearer ${ownerToken}` },
  payload: {
    name: 'up',
    provider: 'openai-compatible',
    apiKey: 'sk-bench-upstream-key-000000',
    baseUrl: `${process.env.UPSTREAM}/v1`,
  },
})
if (created.statusCode !== 201) {
  // Vault API not available in this build: an in-memory lookup of the same shape.
  credentials = `static (vault answered ${created.statusCode})`
  const material = {
    credentialId: 'cred_bench',
    name: 'up',
    provider: 'openai-compatible',
    version: 1,
    baseUrl: `${process.env.UPSTREAM}/v1`,
    region: null,
    apiKey: 'sk-bench-upstream-key-000000',
    models: [],
    orgId,
    workspaceId: null,
  }
  rt.credentials = { find: async (_p, n) => (n === 'up' ? material : null), list: async () => [material] }
}
if (process.env.BENCH_SEAMS === 'noop') {
  // Attribution run: the gateway core alone, with the usage area's budget guard and call
  // writer replaced by no-ops (everything else unchanged).
  rt.budget = {
    reserve: async (_c, estimate) => ({ id: 'noop', budgetIds: [], estimate }),
    settle: async () => {},
  }
  rt.calls = { emit() {} }
}
await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ port: app.server.address().port, token, credentials })
process.on('SIGTERM', async () => {
  await app.close()
  await rt.close()
  fs.rmSync(home, { recursive: true, force: true })
  process.exit(0)
})
