/**
 * Issue 15, path 10: an insider with write access to the database (not the master key)
 * rewrites the audit history and recomputes every hash with the published algorithm, so the
 * chain is consistent again. `latchkey audit verify` (a client of the real server over HTTP)
 * must still say the chain is broken.
 *
 * The attacker works through their own connection to the database; everything they know is
 * the published record format and hash function (docs/usage-and-audit.md).
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { hashRecord, recordFromRow } from '../../src/audit/audit-record.js'
import { signCheckpoint } from '../../src/audit/checkpoint-file.js'
import { CheckpointSigner } from '../../src/audit/checkpoint-signer.js'
import { main } from '../../src/cli/index.js'
import { type DbHandle, openDatabase } from '../../src/db/database.js'
import type { AuditHeadsTable, AuditLogTable } from '../../src/db/tables/audit.js'
import { createTestEnv, DIALECTS, type TestEnv, tempHome } from '../helpers.js'
import { callEvent } from '../usage/fixtures.js'

describe.each(DIALECTS)('a database writer rewrites the audit log (%s)', (dialect) => {
  let env: TestEnv
  /** The attacker's own connection: database write access, no master key. */
  let attacker: DbHandle
  let snapshot: { rows: AuditLogTable[]; head: AuditHeadsTable }
  let oldHead: AuditHeadsTable
  let checkpointText: string
  const checkpointFile = path.join(tempHome(), 'audit-checkpoints.jsonl')
  const saved = { url: process.env.LATCHKEY_URL, token: process.env.LATCHKEY_TOKEN }

  beforeAll(async () => {
    env = await createTestEnv(dialect, { env: { LATCHKEY_AUDIT_CHECKPOINT_FILE: checkpointFile } })
    // History: management events (tokens created over the API) and gateway call records.
    for (const name of ['ci', 'batch', 'intern']) {
      const r = await env.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: env.auth('owner'),
        payload: { name },
      })
      expect(r.statusCode, r.body).toBe(201)
    }
    // A copy of the head row as it stood now (a backup the insider kept).
    oldHead = await env.rt.db.db
      .selectFrom('audit_heads')
      .selectAll()
      .where('org_id', '=', env.orgId)
      .executeTakeFirstOrThrow()
    for (let i = 0; i < 4; i++) env.rt.calls.emit(callEvent(env.orgId))
    await env.rt.usage.writer.flush()
    // The leader's periodic checkpoint, then more history after it.
    await env.rt.usage.checkpoints.tick()
    for (let i = 0; i < 3; i++) env.rt.calls.emit(callEvent(env.orgId))
    await env.rt.usage.writer.flush()

    await env.app.listen({ port: 0, host: '127.0.0.1' })
    const addr = env.app.server.address()
    process.env.LATCHKEY_URL = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    process.env.LATCHKEY_TOKEN = env.tokens.auditor
    attacker = openDatabase({ url: env.config.databaseUrl, home: env.home, schema: env.pgSchema })
    snapshot = await takeSnapshot()
    expect(snapshot.rows.length).toBe(10)
    checkpointText = fs.readFileSync(checkpointFile, 'utf8')
  })
  afterEach(async () => {
    await restore(snapshot)
    fs.writeFileSync(checkpointFile, checkpointText)
  })
  afterAll(async () => {
    process.env.LATCHKEY_URL = saved.url
    process.env.LATCHKEY_TOKEN = saved.token
    if (saved.url === undefined) delete process.env.LATCHKEY_URL
    if (saved.token === undefined) delete process.env.LATCHKEY_TOKEN
    await attacker?.close()
    await env?.close()
    fs.rmSync(path.dirname(checkpointFile), { recursive: true, force: true })
  })

  async function verify(...flags: string[]) {
    const out: string[] = []
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
      out.push(String(c))
      return true
    })
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    process.exitCode = undefined
    try {
      const code = await main(['node', 'latchkey', 'audit', 'verify', ...flags])
      return { code, result: JSON.parse(out.join('')) as Record<string, unknown> }
    } finally {
      o.mockRestore()
      e.mockRestore()
      process.exitCode = undefined
    }
  }

  const rowsOf = () =>
    attacker.db.selectFrom('audit_log').selectAll().where('org_id', '=', env.orgId).orderBy('seq').execute()

  async function takeSnapshot() {
    const head = await attacker.db
      .selectFrom('audit_heads')
      .selectAll()
      .where('org_id', '=', env.orgId)
      .executeTakeFirstOrThrow()
    return { rows: await rowsOf(), head }
  }

  async function restore(s: { rows: AuditLogTable[]; head: AuditHeadsTable }) {
    await attacker.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('audit_log').where('org_id', '=', env.orgId).execute()
      await trx.deleteFrom('audit_heads').where('org_id', '=', env.orgId).execute()
      await trx.insertInto('audit_log').values(s.rows).execute()
      await trx.insertInto('audit_heads').values(s.head).execute()
    })
  }

  /**
   * The attacker's rewrite: replaces the org's records with `rows` (renumbered 1..n),
   * recomputes every prevHash and hash with the published function and moves the head.
   */
  async function rewriteChain(rows: AuditLogTable[]) {
    let prev = '0'.repeat(64)
    const out = rows.map((r, i) => {
      const rec = recordFromRow({ ...r, seq: i + 1, prev_hash: prev })
      const hash = hashRecord(rec)
      prev = hash
      return { ...r, seq: i + 1, prev_hash: rec.prevHash, hash }
    })
    await attacker.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('audit_log').where('org_id', '=', env.orgId).execute()
      if (out.length > 0) await trx.insertInto('audit_log').values(out).execute()
      await trx
        .updateTable('audit_heads')
        .set({ seq: out.length, hash: prev })
        .where('org_id', '=', env.orgId)
        .execute()
    })
  }

  it('the untouched chain verifies, against the signed checkpoint written outside the database', async () => {
    const r = await verify()
    expect(r.code).toBe(0)
    expect(r.result).toMatchObject({ ok: true, count: 10, checkpoints: { checked: 1, latest: { seq: 7 } } })
    const skipped = await verify('--skip-checkpoint')
    expect(skipped.result).toMatchObject({ ok: true, count: 10, checkpoints: 'skipped' })
  })

  it('rewriting a record (who created a token) and recomputing the chain is detected', async () => {
    const rows = await rowsOf()
    const i = rows.findIndex((r) => r.action === 'token.created')
    rows[i] = { ...rows[i]!, actor: 'usr_someone_else', details: '{"name":"innocent"}' }
    await rewriteChain(rows)
    const r = await verify()
    expect(r.code).toBe(1)
    expect(r.result).toMatchObject({ ok: false, reason: expect.stringMatching(/record MAC/) })
  })

  it('deleting a record and renumbering the rest is detected', async () => {
    const rows = await rowsOf()
    rows.splice(1, 1)
    await rewriteChain(rows)
    const r = await verify()
    expect(r.code).toBe(1)
    expect(r.result).toMatchObject({ ok: false, reason: expect.stringMatching(/record MAC/) })
  })

  it('inserting a forged record is detected', async () => {
    const rows = await rowsOf()
    rows.splice(2, 0, { ...rows[1]!, id: 'aud_forged', action: 'token.revoked', event_id: null })
    await rewriteChain(rows)
    const r = await verify()
    expect(r.code).toBe(1)
    expect(r.result).toMatchObject({ ok: false, reason: expect.stringMatching(/record MAC/) })
  })

  it('truncating the tail and rewinding the head is detected (head MAC, and the checkpoint)', async () => {
    const rows = await rowsOf()
    await rewriteChain(rows.slice(0, 4))
    const r = await verify('--skip-checkpoint')
    expect(r.code).toBe(1)
    expect(r.result).toMatchObject({ ok: false, reason: expect.stringMatching(/head MAC/) })
    expect((await verify()).result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/checkpointed record is missing/),
    })
  })
  it('deleting every record and the head is detected', async () => {
    await attacker.db.deleteFrom('audit_log').where('org_id', '=', env.orgId).execute()
    await attacker.db.deleteFrom('audit_heads').where('org_id', '=', env.orgId).execute()
    const r = await verify()
    expect(r.code).toBe(1)
    expect(r.result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/checkpointed record is missing/),
    })
  })

  it('the MACs alone catch a rewrite after the last checkpoint', async () => {
    const rows = await rowsOf()
    rows[8] = { ...rows[8]!, model: 'cheap-model', cost_usd: 0 }
    await rewriteChain(rows)
    const r = await verify('--skip-checkpoint')
    expect(r.code).toBe(1)
    expect(r.result).toMatchObject({ ok: false, brokenAt: 9, reason: expect.stringMatching(/record MAC/) })
  })

  it('truncating the tail and restoring an old copy of the head row is caught by the checkpoint', async () => {
    await attacker.db.deleteFrom('audit_log').where('org_id', '=', env.orgId).where('seq', '>', 3).execute()
    await attacker.db.updateTable('audit_heads').set(oldHead).where('org_id', '=', env.orgId).execute()
    // Every MAC in the database is genuine now: only the checkpoint outside it knows better.
    expect((await verify('--skip-checkpoint')).result).toMatchObject({ ok: true, count: 3 })
    const r = await verify()
    expect(r.code).toBe(1)
    expect(r.result).toMatchObject({
      ok: false,
      brokenAt: 7,
      reason: expect.stringMatching(/checkpointed record is missing/),
    })
  })

  it('a checkpoint line forged or altered without the master key fails verification', async () => {
    const other = CheckpointSigner.fromAuditRoot(randomBytes(32))
    const forged = signCheckpoint(other, { orgId: env.orgId, seq: 2, hash: 'f'.repeat(64) })
    fs.appendFileSync(checkpointFile, `${JSON.stringify(forged)}\n`)
    const r = await verify()
    expect(r.code).toBe(1)
    expect(r.result).toMatchObject({ ok: false, reason: expect.stringMatching(/signed by another key/) })

    const [line] = checkpointText.trim().split('\n')
    const altered = { ...JSON.parse(line!), seq: 3, hash: snapshot.rows[2]!.hash }
    fs.writeFileSync(checkpointFile, `${JSON.stringify(altered)}\n`)
    const r2 = await verify()
    expect(r2.result).toMatchObject({ ok: false, reason: expect.stringMatching(/bad signature/) })
  })

  it('an export verifies offline against the checkpoint file and the pinned public key; a truncated one does not', async () => {
    const publicKey = ((await verify()).result.checkpoints as { publicKey: string }).publicKey
    const exp = await fetch(`${process.env.LATCHKEY_URL}/api/v1/audit/export`, {
      headers: { authorization: `Bearer ${env.tokens.auditor}` },
    })
    const full = path.join(path.dirname(checkpointFile), 'export.jsonl')
    fs.writeFileSync(full, await exp.text())
    const ok = await verify('--file', full, '--checkpoint-file', checkpointFile, '--public-key', publicKey)
    expect(ok.result).toMatchObject({ ok: true, count: 10 })
    const cut = path.join(path.dirname(checkpointFile), 'cut.jsonl')
    fs.writeFileSync(cut, `${fs.readFileSync(full, 'utf8').trim().split('\n').slice(0, 5).join('\n')}\n`)
    const bad = await verify('--file', cut, '--checkpoint-file', checkpointFile, '--public-key', publicKey)
    expect(bad.code).toBe(1)
    expect(bad.result).toMatchObject({ ok: false, brokenAt: 7 })
  })
})
