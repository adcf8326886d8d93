/**
 * A real scale-out setup for tests: N `latchkey serve` processes on one fresh PostgreSQL
 * database and one Redis, HAProxy in front (started here in the foreground with its own
 * config, health-checking /readyz), and a TCP proxy that can cut one instance off the
 * database (to leave its writes pending deterministically). Everything on loopback. Also
 * used by the bench's scale row (bench/scale.js).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

// Read here, not from ../helpers.js: the bench compiles this file alone (bench/scale.js), so it
// imports nothing but Node and pg.
const PG_URL = process.env.TEST_DATABASE_URL
const REDIS_URL = process.env.TEST_REDIS_URL
const run = promisify(execFile)
/** The CLI the instances run (the bench points it at its own build). */
export const BIN =
  process.env.LATCHKEY_CLUSTER_BIN ?? path.resolve(import.meta.dirname, '../../bin/latchkey.js')
export const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => fs.existsSync(p))
export const MASTER_KEY = Buffer.alloc(32, 9).toString('base64')

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** Polls `check` until it returns a value (not undefined/false), at most `ms`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await check()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`)
}

/** A TCP forwarder whose traffic can be cut (connections dropped, new ones refused). */
export class CuttableProxy {
  #server: net.Server
  #sockets = new Set<net.Socket>()
  #cut = false
  port = 0
  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {
    this.#server = net.createServer((client) => {
      if (this.#cut) return client.destroy()
      const upstream = net.connect(this.targetPort, this.targetHost)
      for (const s of [client, upstream]) {
        this.#sockets.add(s)
        s.on('close', () => this.#sockets.delete(s))
        s.on('error', () => {})
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
  }
  async start(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r))
    this.port = (this.#server.address() as net.AddressInfo).port
  }
  cut(): void {
    this.#cut = true
    for (const s of this.#sockets) s.destroy()
  }
  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((r) => this.#server.close(() => r()))
  }
}

export interface Instance {
  name: string
  port: number
  url: string
  home: string
  dbUrl: string
  child?: ChildProcess
  logs: string
}

export class Cluster {
  readonly instances: Instance[] = []
  haproxy?: ChildProcess
  lbPort = 0
  lbUrl = ''
  haproxyLog = ''
  readonly statsSock: string
  readonly dir: string
  dbName = ''
  dbUrl = ''
  redisDb = REDIS_URL ?? ''

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-scale-'))
    this.statsSock = path.join(this.dir, 'haproxy.sock')
  }

  /** A fresh database on the test server (dropped by close). */
  async createDatabase(): Promise<void> {
    this.dbName = `lk_scale_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    await c.query(`create database ${this.dbName}`)
    await c.end()
    const u = new URL(PG_URL!)
    u.pathname = `/${this.dbName}`
    this.dbUrl = u.toString()
  }

  /** A URL of the same database through another host:port (a proxy). */
  dbUrlVia(port: number): string {
    const u = new URL(this.dbUrl)
    u.hostname = '127.0.0.1'
    u.port = String(port)
    return u.toString()
  }

  async query<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
    const c = new pg.Client({ connectionString: this.dbUrl })
    await c.connect()
    try {
      return (await c.query(text, values)).rows as T[]
    } finally {
      await c.end()
    }
  }

  env(inst: Instance, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LATCHKEY_HOME: inst.home,
      LATCHKEY_HOST: '127.0.0.1',
      LATCHKEY_PORT: String(inst.port),
      DATABASE_URL: inst.dbUrl,
      REDIS_URL: this.redisDb,
      LATCHKEY_MASTER_KEY: MASTER_KEY,
      LATCHKEY_LOG_LEVEL: 'info',
      LATCHKEY_DRAIN_DELAY: '4s',
      LATCHKEY_DRAIN_TIMEOUT: '30s',
      ...extra,
    }
    delete env.LATCHKEY_MASTER_KEY_FILE
    delete env.TEST_DATABASE_URL
    delete env.TEST_REDIS_URL
    return env
  }

  async addInstance(opts: { dbUrl?: string } = {}): Promise<Instance> {
    const port = await freePort()
    const inst: Instance = {
      name: `s${this.instances.length + 1}`,
      port,
      url: `http://127.0.0.1:${port}`,
      home: fs.mkdtempSync(path.join(this.dir, 'home-')),
      dbUrl: opts.dbUrl ?? this.dbUrl,
      logs: '',
    }
    this.instances.push(inst)
    await this.start(inst)
    return inst
  }

  async start(inst: Instance): Promise<void> {
    fs.mkdirSync(inst.home, { recursive: true })
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: this.env(inst),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    inst.child = child
    const keep = (d: Buffer) => {
      inst.logs += String(d)
      if (inst.logs.length > 400_000) inst.logs = inst.logs.slice(-200_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    await until(
      `${inst.name} ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${inst.name} exited: ${inst.logs.slice(-2000)}`)
        const r = await fetch(`${inst.url}/readyz`)
        return r.status === 200
      },
      120_000,
    )
  }

  /** This instance's id, from its start-up log line. */
  instanceId(inst: Instance): string | undefined {
    const ids = [...inst.logs.matchAll(/"instance":"(inst_[^"]+)"[^\n]*latchkey listening/g)].map((m) => m[1])
    return ids.at(-1)
  }

  async stop(inst: Instance, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = inst.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    child.kill(signal)
    return exited
  }

  async startHaproxy(): Promise<void> {
    if (!HAPROXY) throw new Error('haproxy is not installed')
    await this.stopHaproxy()
    this.lbPort = await freePort()
    this.lbUrl = `http://127.0.0.1:${this.lbPort}`
    const servers = this.instances
      .map((i) => `  server ${i.name} 127.0.0.1:${i.port} check inter 500 fall 3 rise 2`)
      .join('\n')
    const cfg = path.join(this.dir, 'haproxy.cfg')
    fs.writeFileSync(
      cfg,
      `global
  stats socket ${this.statsSock} mode 600 level admin
  maxconn 4000
defaults
  mode http
  timeout connect 2s
  timeout check 5s
  timeout client 120s
  timeout server 120s
  timeout http-keep-alive 10s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
frontend fe
  bind 127.0.0.1:${this.lbPort}
  default_backend be
backend be
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
${servers}
`,
    )
    const child = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.haproxy = child
    child.stdout?.on('data', (d) => {
      this.haproxyLog += String(d)
    })
    child.stderr?.on('data', (d) => {
      this.haproxyLog += String(d)
    })
    for (const i of this.instances) await this.waitBalancer(i, 'UP')
  }

  /** Stops the balancer (startHaproxy starts a new one over the current instances). */
  async stopHaproxy(): Promise<void> {
    const h = this.haproxy
    if (!h || h.exitCode !== null || h.signalCode !== null) return
    const exited = new Promise((r) => h.once('exit', r))
    h.kill('SIGTERM')
    await exited
  }

  /** Server states as HAProxy sees them (stats socket). */
  async balancerStates(): Promise<Record<string, string>> {
    const text = await new Promise<string>((resolve, reject) => {
      const s = net.connect(this.statsSock)
      let out = ''
      s.on('data', (d) => {
        out += String(d)
      })
      s.on('end', () => resolve(out))
      s.on('error', reject)
      s.end('show stat\n')
    })
    const states: Record<string, string> = {}
    const [header, ...rows] = text.trim().split('\n')
    const cols = (header ?? '').replace(/^# /, '').split(',')
    const sv = cols.indexOf('svname')
    const st = cols.indexOf('status')
    const px = cols.indexOf('pxname')
    for (const r of rows) {
      const f = r.split(',')
      if (f[px] === 'be' && f[sv] !== 'BACKEND') states[f[sv]!] = f[st]!
    }
    return states
  }

  async waitBalancer(inst: Instance, state: 'UP' | 'DOWN'): Promise<void> {
    await until(`haproxy sees ${inst.name} ${state}`, async () =>
      (await this.balancerStates())[inst.name]?.startsWith(state),
    )
  }

  async ownerToken(): Promise<string> {
    const inst = this.instances[0]!
    const { stdout } = await run(
      process.execPath,
      [BIN, 'admin', 'token', '--name', 'scale-owner', '--role', 'owner'],
      {
        env: this.env(inst),
      },
    )
    return stdout.trim()
  }

  async close(): Promise<void> {
    for (const i of this.instances) {
      if (i.child && i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL')
    }
    this.haproxy?.kill('SIGKILL')
    await new Promise((r) => setTimeout(r, 200))
    if (this.dbName) {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`drop database if exists ${this.dbName} with (force)`).catch(() => {})
      await c.end()
    }
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}
