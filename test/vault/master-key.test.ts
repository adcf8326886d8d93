import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { runMasterKeyRotate, runMasterKeyStatus } from '../../src/cli/commands/master-key.js'
import { loadConfig } from '../../src/config/config.js'
import { ensureDefaultOrg } from '../../src/identity/orgs.js'
import type { Principal } from '../../src/identity/principal.js'
import { createRuntime, type Runtime } from '../../src/server/runtime.js'
import { localKeyId } from '../../src/vault/crypto.js'
import { localMasterKey } from '../../src/vault/key-source.js'
import type { WrappedKeyStore } from '../../src/vault/keyring.js'
import { rewrapAll, rotationStatus, startRotation } from '../../src/vault/master-key-rotation.js'
import { rotateMasterKey } from '../../src/vault/master-key-service.js'
import { DIALECTS, freshPgSchema, PG_URL, tempHome } from '../helpers.js'

type Dialect = (typeof DIALECTS)[number]

/** A data folder (and PG schema) that outlives single runtimes, so restarts can be tested. */
interface Install {
  home: string
  env: (extra?: Record<string, string>) => Record<string, string>
  start: (extra?: Record<string, string>, logs?: { text: string }) => Promise<Runtime>
  drop: () => Promise<void>
}

const open: Runtime[] = []

async function install(dialect: Dialect): Promise<Install> {
  const home = tempHome()
  const pg = dialect === 'postgres' ? await freshPgSchema() : undefined
  const env = (extra: Record<string, string> = {}) => ({
    LATCHKEY_HOME: home,
    LATCHKEY_LOG_LEVEL: 'silent',
    // The schema rides in the URL too, for the CLI runtimes (they take no pgSchema option).
    ...(pg
      ? {
          DATABASE_URL: `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${pg.schema}`)}`,
        }
      : {}),
    ...extra,
  })
  return {
    home,
    env,
    async start(extra = {}, logs) {
      const sink = new Writable({
        write(c, _e, cb) {
          if (logs) logs.text += String(c)
          cb()
        },
      })
      const rt = await createRuntime(loadConfig(env(extra)), {
        logger: pino({ level: 'info' }, sink),
        processMetrics: false,
        pgSchema: pg?.schema,
        busPollMs: 50,
      })
      open.push(rt)
      return rt
    },
    async drop() {
      await pg?.drop()
      fs.rmSync(home, { recursive: true, force: true })
    },
  }
}

async function ownerOf(rt: Runtime): Promise<Principal> {
  const { orgId, workspaceId } = await ensureDefaultOrg(rt.db.db)
  return {
    kind: 'token',
    id: 'tok_test',
    name: 'test',
    orgId,
    workspaceId,
    userId: null,
    role: 'owner',
    workspaceRoles: {},
    tokenId: 'tok_test',
    scopes: [],
    sessionId: null,
    csrfHash: null,
    expiresAt: null,
  }
}

async function seed(rt: Runtime, n: number, prefix = 'k'): Promise<Map<string, string>> {
  const p = await ownerOf(rt)
  const keys = new Map<string, string>()
  for (let i = 0; i < n; i++) {
    const apiKey = `sk-${prefix}${i}-${randomBytes(12).toString('hex')}`
    await rt.vault.credentials.create(p, { name: `${prefix}${i}`, provider: 'openai', apiKey, scope: 'org' })
    keys.set(`${prefix}${i}`, apiKey)
  }
  return keys
}

async function expectAllReadable(rt: Runtime, keys: Map<string, string>): Promise<void> {
  const p = await ownerOf(rt)
  rt.vault.cache.invalidate()
  for (const [name, key] of keys) expect((await rt.credentials.find(p, name))?.apiKey).toBe(key)
}

const io = (env: Record<string, string>) => {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    io: {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s), isTTY: false },
      env,
    },
  }
}

afterEach(async () => {
  for (const rt of open.splice(0)) await rt.close().catch(() => {})
})

describe.each(DIALECTS)('master key (%s)', (dialect) => {
  it('refuses to start with the wrong key, and never replaces a lost one', async () => {
    const inst = await install(dialect)
    const k1 = randomBytes(32).toString('base64')
    try {
      const rt = await inst.start({ LATCHKEY_MASTER_KEY: k1 })
      const keys = await seed(rt, 2)
      await rt.close()
      const wrong = randomBytes(32).toString('base64')
      await expect(inst.start({ LATCHKEY_MASTER_KEY: wrong })).rejects.toThrow(
        /master key mismatch.*refusing to start/,
      )
      const err = await inst.start({ LATCHKEY_MASTER_KEY: wrong }).catch((e: Error) => e)
      expect((err as Error).message).not.toContain(wrong)
      expect((err as Error).message.split('\n')).toHaveLength(1)
      if (dialect === 'sqlite') {
        // No key configured and no key file: the sealed data is never orphaned by a fresh key.
        await expect(inst.start()).rejects.toThrow(/master\.key is missing but this database holds/)
        expect(fs.existsSync(path.join(inst.home, 'master.key'))).toBe(false)
      } else {
        await expect(inst.start()).rejects.toThrow(/DATABASE_URL is set: provide LATCHKEY_MASTER_KEY/)
      }
      const ok = await inst.start({ LATCHKEY_MASTER_KEY: k1 })
      await expectAllReadable(ok, keys)
      // A lost key registry is never silently replaced by a new key.
      await ok.db.db.deleteFrom('vault_keys').execute()
      await ok.close()
      await expect(inst.start({ LATCHKEY_MASTER_KEY: k1 })).rejects.toThrow(
        /vault_keys\) is empty but sealed secrets exist/,
      )
    } finally {
      await inst.drop()
    }
  })

  it('detects tampered and swapped rows per credential, loudly, without secrets', async () => {
    const inst = await install(dialect)
    const logs = { text: '' }
    try {
      const rt = await inst.start({ LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') }, logs)
      const keys = await seed(rt, 3, 't')
      const p = await ownerOf(rt)
      const [a, b] = await Promise.all(['t0', 't1'].map((n) => rt.credentials.find(p, n)))
      const db = rt.db.db
      const rowA = await db
        .selectFrom('credential_secrets')
        .selectAll()
        .where('credential_id', '=', a!.credentialId)
        .executeTakeFirstOrThrow()
      const rowB = await db
        .selectFrom('credential_secrets')
        .selectAll()
        .where('credential_id', '=', b!.credentialId)
        .executeTakeFirstOrThrow()
      // Row swap: A's sealed blob and wrapped key moved onto B.
      await db
        .updateTable('credential_secrets')
        .set({ ciphertext: rowA.ciphertext, wrapped_key: rowA.wrapped_key })
        .where('credential_id', '=', b!.credentialId)
        .execute()
      // Tamper: one bit of A's ciphertext.
      const t = Buffer.from(rowA.ciphertext, 'base64')
      t[20] = t[20]! ^ 1
      await db
        .updateTable('credential_secrets')
        .set({ ciphertext: t.toString('base64') })
        .where('credential_id', '=', a!.credentialId)
        .execute()
      rt.vault.cache.invalidate()
      for (const name of ['t0', 't1']) {
        await expect(rt.credentials.find(p, name)).rejects.toMatchObject({
          status: 500,
          code: 'credential_integrity',
        })
      }
      expect((await rt.credentials.find(p, 't2'))?.apiKey).toBe(keys.get('t2'))
      expect((await rt.credentials.list(p)).map((m) => m.name)).toEqual(['t2'])
      expect(logs.text).toContain('credential integrity check failed')
      expect(logs.text).toContain(a!.credentialId)
      for (const k of keys.values()) expect(logs.text).not.toContain(k)
      expect(rowB.ciphertext).not.toBe(rowA.ciphertext)
    } finally {
      await inst.drop()
    }
  })

  it('rotates under load with the keyring file, then restarts with only the new key', async () => {
    const inst = await install(dialect)
    const logs = { text: '' }
    // SQLite: the generated LATCHKEY_HOME/master.key; PostgreSQL: an explicit keyring file.
    const keyEnv: Record<string, string> = {}
    if (dialect === 'postgres') {
      keyEnv.LATCHKEY_MASTER_KEY_FILE = path.join(inst.home, 'master.key')
      fs.writeFileSync(keyEnv.LATCHKEY_MASTER_KEY_FILE, `${randomBytes(32).toString('base64')}\n`, {
        mode: 0o600,
      })
    }
    try {
      const server = await inst.start(keyEnv, logs)
      expect(fs.statSync(path.join(inst.home, 'master.key')).mode & 0o777).toBe(0o600)
      if (dialect === 'sqlite') expect(logs.text).toContain('back this file up')
      const oldId = server.vault.keyring.activeKeyId
      const keys = await seed(server, 25, 'r')
      const p = await ownerOf(server)
      let stop = false
      let lookups = 0
      const failures: unknown[] = []
      const load = Array.from({ length: 4 }, async (_, w) => {
        while (!stop) {
          // Yield to I/O each round: a lookup answered from memory must not starve the rotation.
          await new Promise((r) => setImmediate(r))
          // Drop the cache so every lookup unseals from the database during the re-wrap.
          server.vault.cache.invalidate()
          for (const [name, key] of [...keys].slice(w * 6, w * 6 + 6)) {
            try {
              const m = await server.credentials.find(p, name)
              if (m?.apiKey !== key) failures.push(`wrong material for ${name}`)
            } catch (err) {
              failures.push(err)
            }
            lookups++
          }
        }
      })
      // Writes during the re-wrap run on PostgreSQL only: here the "CLI" shares this process, and
      // better-sqlite3 waits for a lock synchronously, which would stall the very event loop that
      // must finish the other transaction (a real CLI is another process; the busy timeout waits).
      const writes = (async () => {
        let i = 0
        while (!stop && dialect === 'postgres') {
          const k = `sk-w${i}-${randomBytes(12).toString('hex')}`
          await server.vault.credentials.create(p, {
            name: `w${i}`,
            provider: 'openai',
            apiKey: k,
            scope: 'org',
          })
          keys.set(`w${i++}`, k)
        }
      })()
      const { io: cliIo, out } = io(inst.env(keyEnv))
      await runMasterKeyRotate({ batchSize: '5' }, cliIo)
      stop = true
      await Promise.all([...load, writes])
      expect(failures).toEqual([])
      expect(lookups).toBeGreaterThan(0)
      expect(out.stdout).toMatch(/master key rotated: active key mk_/)
      expect(out.stderr).toMatch(/re-wrapped \d+, remaining/)
      for (const k of keys.values()) expect(out.stdout + out.stderr).not.toContain(k)
      const keyfile = fs.readFileSync(path.join(inst.home, 'master.key'), 'utf8')
      const lines = keyfile.split('\n').filter((l) => l && !l.startsWith('#'))
      expect(lines).toHaveLength(1)
      const newId = localKeyId(Buffer.from(lines[0]!, 'base64'))
      expect(newId).not.toBe(oldId)
      const left = await server.db.db
        .selectFrom('credential_secrets')
        .select('key_id')
        .where('key_id', '<>', newId)
        .execute()
      expect(left).toEqual([])
      await server.close()
      const restarted = await inst.start(keyEnv)
      expect(restarted.vault.keyring.activeKeyId).toBe(newId)
      await expectAllReadable(restarted, keys)
    } finally {
      await inst.drop()
    }
  })

  it('rotates environment keys with --new-key-file; the old key alone then refuses', async () => {
    const inst = await install(dialect)
    const k1 = randomBytes(32).toString('base64')
    const k2 = randomBytes(32)
    try {
      // Procedure for environment keys: every instance gets both keys first.
      const server = await inst.start({ LATCHKEY_MASTER_KEY: `${k1},${k2.toString('base64')}` })
      const keys = await seed(server, 6, 'e')
      const file = path.join(inst.home, 'new.key')
      fs.writeFileSync(file, `${k2.toString('base64')}\n`, { mode: 0o600 })
      const { io: cliIo, out } = io(inst.env({ LATCHKEY_MASTER_KEY: k1 }))
      await runMasterKeyRotate({ newKeyFile: file }, cliIo)
      expect(out.stderr).toContain('give the new key to every instance')
      await expectAllReadable(server, keys)
      await server.close()
      await expectAllReadable(await inst.start({ LATCHKEY_MASTER_KEY: k2.toString('base64') }), keys)
      await expect(inst.start({ LATCHKEY_MASTER_KEY: k1 })).rejects.toThrow(/master key mismatch/)
    } finally {
      await inst.drop()
    }
  })

  it('resumes a rotation interrupted midway, on restart, losing nothing', async () => {
    const inst = await install(dialect)
    const k1 = randomBytes(32).toString('base64')
    const k2 = randomBytes(32)
    const both = { LATCHKEY_MASTER_KEY: `${k1},${k2.toString('base64')}` }
    try {
      const rt = await inst.start(both)
      const keys = await seed(rt, 12, 'c')
      const deps = {
        handle: rt.db,
        keyring: rt.vault.keyring,
        audit: rt.audit,
        bus: rt.bus,
        logger: rt.logger,
      }
      const who = { actor: 'test', actorKind: 'cli' as const }
      await startRotation(deps, localMasterKey(k2), who)
      // "Crash" after the first batch.
      const ac = new AbortController()
      await expect(
        rewrapAll(deps, who, { batchSize: 4, signal: ac.signal, onProgress: () => ac.abort() }),
      ).rejects.toThrow(/interrupted/)
      const mid = await rotationStatus(deps)
      expect(mid).toMatchObject({ rotating: true, activeKeyId: localKeyId(k2) })
      expect(mid.remaining).toBeGreaterThan(0)
      await expectAllReadable(rt, keys)
      const { io: cliIo, out } = io(inst.env(both))
      await runMasterKeyStatus(cliIo)
      expect(out.stdout).toMatch(/rotation in progress/)
      out.stdout = ''
      await runMasterKeyStatus(cliIo, { json: true })
      // (The status command's own runtime resumed the re-wrap: it may have finished by now.)
      expect(Object.keys(JSON.parse(out.stdout)).sort()).toEqual(
        ['activeKeyId', 'done', 'remaining', 'retiringKeyIds', 'rotating', 'total'].sort(),
      )
      expect(JSON.parse(out.stdout).activeKeyId).toBe(localKeyId(k2))
      await rt.close()
      // Restart: the vault resumes the re-wrap in the background (after every setup registered its stores).
      const again = await inst.start(both)
      for (
        let i = 0;
        i < 200 && (await rotationStatus({ handle: again.db, keyring: again.vault.keyring })).rotating;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 50))
      }
      const done = await rotationStatus({ handle: again.db, keyring: again.vault.keyring })
      expect(done).toMatchObject({ rotating: false, remaining: 0, activeKeyId: localKeyId(k2) })
      await again.close()
      await expectAllReadable(await inst.start({ LATCHKEY_MASTER_KEY: k2.toString('base64') }), keys)
    } finally {
      await inst.drop()
    }
  })

  it('re-wraps data keys of other registered stores before retiring the old key', async () => {
    const inst = await install(dialect)
    const k1 = randomBytes(32).toString('base64')
    const k2 = randomBytes(32)
    try {
      const rt = await inst.start({ LATCHKEY_MASTER_KEY: `${k1},${k2.toString('base64')}` })
      await seed(rt, 3, 's')
      // Another module's wrapped data keys (like sealed workflow content) rotate with the vault's.
      const blobs = new Map<number, { keyId: string; wrapped: Buffer }>()
      const dek = randomBytes(32)
      const k1Key = localMasterKey(Buffer.from(k1, 'base64'))
      for (let i = 0; i < 7; i++)
        blobs.set(i, { keyId: k1Key.id, wrapped: await k1Key.wrap(dek, Buffer.from(`b${i}`)) })
      const store: WrappedKeyStore = {
        name: 'test blobs',
        async remaining(active) {
          return [...blobs.values()].filter((b) => b.keyId !== active).length
        },
        async rewrapBatch({ activeKeyId, target, keyFor, limit }) {
          let n = 0
          for (const [i, b] of blobs) {
            if (b.keyId === activeKeyId || n >= limit) continue
            const plain = await (await keyFor(b.keyId)).unwrap(b.wrapped, Buffer.from(`b${i}`))
            blobs.set(i, { keyId: target.id, wrapped: await target.wrap(plain, Buffer.from(`b${i}`)) })
            n++
          }
          return n
        },
      }
      rt.vault.keyring.registerStore(store)
      const deps = {
        handle: rt.db,
        keyring: rt.vault.keyring,
        audit: rt.audit,
        bus: rt.bus,
        logger: rt.logger,
      }
      const s = await rotateMasterKey(deps, { actor: 'test', actorKind: 'cli' }, { newKey: k2, batchSize: 2 })
      expect(s).toMatchObject({ rotating: false, remaining: 0 })
      const k2Key = localMasterKey(k2)
      for (const [i, b] of blobs) {
        expect(b.keyId).toBe(k2Key.id)
        expect((await k2Key.unwrap(b.wrapped, Buffer.from(`b${i}`))).equals(dek)).toBe(true)
      }
    } finally {
      await inst.drop()
    }
  })
})
