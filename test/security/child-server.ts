/**
 * A real `latchkey serve` in its own process, for attacks that could freeze or crash a server:
 * when the attack works, the test process stays free to notice (its own event loop is not the
 * one that is stuck) and to kill the child afterwards. SQLite in a temp home, or PostgreSQL in
 * a fresh schema (TEST_DATABASE_URL).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import { freshPgSchema, PG_URL, type TestDialect, tempHome } from '../helpers.js'

const run = promisify(execFile)
const BIN = path.resolve(import.meta.dirname, '../../bin/latchkey.js')

export interface ChildServer {
  url: string
  /** Creates an access token with the CLI (`latchkey admin token`) and returns it raw. */
  token(role: 'owner' | 'admin' | 'member' | 'auditor'): Promise<string>
  /** Whether the child is still alive. */
  alive(): boolean
  close(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

export async function startChildServer(
  dialect: TestDialect,
  extraEnv: Record<string, string> = {},
): Promise<ChildServer> {
  const home = tempHome()
  const port = await freePort()
  const pg = dialect === 'postgres' ? await freshPgSchema() : undefined
  const databaseUrl = pg
    ? `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${pg.schema}`)}`
    : ''
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LATCHKEY_HOME: home,
    LATCHKEY_PORT: String(port),
    LATCHKEY_LOG_LEVEL: 'silent',
    LATCHKEY_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
    DATABASE_URL: databaseUrl,
    REDIS_URL: '',
    ...extraEnv,
  }
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], { env, stdio: 'ignore' })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) break
    } catch {}
    if (i > 2400) throw new Error('server did not become healthy')
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url,
    async token(role) {
      const { stdout } = await run(
        process.execPath,
        [BIN, 'admin', 'token', '--name', `t-${role}`, '--role', role],
        {
          env,
        },
      )
      return stdout.trim()
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGKILL')
        await exited
      }
      await pg?.drop()
      fs.rmSync(home, { recursive: true, force: true })
    },
  }
}
