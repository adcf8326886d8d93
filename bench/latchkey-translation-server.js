// Latchkey for the translation bench: the real runtime and app from dist/ with one `anthropic`
// credential (created through the vault API) pointing at the fake Anthropic upstream, so an
// OpenAI Chat request is translated to Anthropic Messages and back on every call.
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

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-tr-'))
const config = loadConfig({
  LATCHKEY_HOME: home,
  LATCHKEY_LOG_LEVEL: 'silent',
  LATCHKEY_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
})
const rt = await createRuntime(config, { logger: pino({ level: 'silent' }), processMetrics: false })
const app = await buildApp(rt)
await app.ready()
const { orgId, workspaceId } = await ensureDefaultOrg(rt.db.db)
const mk = async (role) =>
  (
    await insertToken(rt.db.db, {
      orgId,
      workspaceId,
      userId: null,
      name: `bench-${role}`,
      role,
      createdBy: 'bench',
    })
  ).raw
const owner = await mk('owner')
const token = await mk('member')
const created = await app.inject({
  method: 'POST',
  url: '/api/v1/credentials',
  headers: { authorization: `Bearer ${owner}` },
  payload: {
    name: 'anth',
    provider: 'anthropic',
    apiKey: 'sk-ant-bench-000000000000',
    baseUrl: process.env.UPSTREAM,
    scope: 'org',
  },
})
if (created.statusCode !== 201) throw new Error(`cannot create the bench credential: ${created.body}`)
await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ port: app.server.address().port, token })
// The bench asks, after its runs, whether metering kept up (nothing deferred past the run).
process.on('message', async (m) => {
  if (m !== 'stats') return
  const w = rt.usage.writer
  await w.flush(30_000)
  process.send?.({ stats: { depth: w.depth, written: w.written } })
})
process.on('SIGTERM', async () => {
  await app.close()
  await rt.close()
  fs.rmSync(home, { recursive: true, force: true })
  process.exit(0)
})
