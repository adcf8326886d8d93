/**
 * The real binary: `latchkey admin token` output authenticates against a running
 * `latchkey serve`, the server binds loopback by default, and SIGTERM drains in-flight
 * requests before exiting.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempHome } from '../helpers.js'
import { BIN, freePort, waitForHealth } from './process.js'

const run = promisify(execFile)

// Every test starts CLI processes: each start took up to ~10 s on this 2-core machine under a
// full parallel suite (30 s was seen to run out). A slow start is not what these test.
describe('latchkey serve (real process)', { timeout: 120_000 }, () => {
  let home: string
  let port: number
  let url: string
  let child: ChildProcess
  let stderr = ''
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    home = tempHome()
    port = await freePort()
    url = `http://127.0.0.1:${port}`
    env = {
      ...process.env,
      LATCHKEY_HOME: home,
      LATCHKEY_PORT: String(port),
      LATCHKEY_LOG_LEVEL: 'info',
      // Short, so the drain test does not wait the default 5 s for a balancer there is not.
      LATCHKEY_DRAIN_DELAY: '1s',
      DATABASE_URL: '',
      REDIS_URL: '',
    }
    delete env.LATCHKEY_MASTER_KEY
    child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout?.on('data', (d) => {
      stderr += d
    })
    child.stderr?.on('data', (d) => {
      stderr += d
    })
    await waitForHealth(url, child)
  }, 120_000)
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    fs.rmSync(home, { recursive: true, force: true })
  })

  it('creates LATCHKEY_HOME with mode 0700 and binds only loopback', async () => {
    expect(fs.statSync(home).mode & 0o777).toBe(0o700)
    // Not reachable on a non-loopback interface address (when the machine has one).
    const nets = Object.values((await import('node:os')).networkInterfaces())
      .flat()
      .filter((n) => n && n.family === 'IPv4' && !n.internal)
    for (const n of nets) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: n!.address, port }, () => {
          s.destroy()
          resolve(true)
        })
        s.on('error', () => resolve(false))
      })
      expect(ok).toBe(false)
    }
  })

  it('prints only a token from `admin token`, which authenticates at once', async () => {
    const { stdout } = await run(
      process.execPath,
      [BIN, 'admin', 'token', '--name', 'ci', '--role', 'owner'],
      { env },
    )
    expect(stdout).toMatch(/^lk_[A-Za-z0-9_-]{43}\n$/)
    const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${stdout.trim()}` } })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { principal: { role: string } }).principal.role).toBe('owner')
    // The token never appears in the server's log.
    expect(stderr).not.toContain(stdout.trim())
  })

  it('adds a user with a one-time set-password link that signs them in', async () => {
    const { stdout } = await run(
      process.execPath,
      [BIN, 'admin', 'user', 'add', '--email', 'Grace@Example.com', '--role', 'admin'],
      { env },
    )
    const link = stdout.trim()
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/invite#token=inv_[A-Za-z0-9_-]+$`))
    const token = link.split('#token=')[1]
    const accept = await fetch(`${url}/api/v1/invites/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, password: 'a very good password' }),
    })
    expect(accept.status).toBe(200)
    const login = await fetch(`${url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace@example.com', password: 'a very good password' }),
    })
    expect(login.status).toBe(200)
    expect(((await login.json()) as { principal: { role: string } }).principal.role).toBe('admin')
    const twice = await run(process.execPath, [BIN, 'admin', 'user', 'add', '--email', 'grace@example.com'], {
      env,
    }).catch((e) => e)
    expect(twice.code).toBe(1)
    expect(twice.stderr).toMatch(/already a member/)
  })

  it('exits 2 on usage errors and 1 with a one-line reason on bad configuration', async () => {
    const usage = await run(process.execPath, [BIN, 'admin', 'token', '--role', 'boss', '--name', 'x'], {
      env,
    }).catch((e) => e)
    expect(usage.code).toBe(2)
    const bad = await run(process.execPath, [BIN, 'migrate'], {
      env: { ...env, DATABASE_URL: 'mysql://nope' },
    }).catch((e) => e)
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).toMatch(/DATABASE_URL/)
    const down = await run(process.execPath, [BIN, 'migrate'], {
      env: { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' },
    }).catch((e) => e)
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(/cannot reach PostgreSQL/)
    const inUse = await run(process.execPath, [BIN, 'serve'], { env }).catch((e) => e)
    expect(inUse.code).toBe(1)
    expect(inUse.stderr).toMatch(/already in use/)
  })

  it('drains an in-flight request on SIGTERM, then exits 0', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'admin', 'token', '--name', 'drain'], { env })
    const token = stdout.trim()
    // A slow request: the body arrives in two parts, the second once the server is draining.
    // Scripted gates, no timers: each step waits for the server to reach the state it needs.
    let req!: http.ClientRequest
    const result = new Promise<number>((resolve, reject) => {
      req = http.request(
        `${url}/api/v1/tokens`,
        {
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        },
      )
      req.on('error', reject)
    })
    req.write('{"name":')
    await new Promise((r) => req.once('socket', (s) => (s.connecting ? s.once('connect', r) : r(null))))
    // The server reads connections in arrival order: once it has answered a later request on
    // another connection, it holds this one's headers (and is watched, so it will drain).
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    child.kill('SIGTERM')
    // Readiness turns off as soon as SIGTERM is handled: from then on it drains.
    while ((await fetch(`${url}/readyz`)).status !== 503) await new Promise((r) => setImmediate(r))
    req.end('"during-shutdown"}')
    expect(await result).toBe(201)
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode)
      else child.on('exit', (c) => resolve(c))
    })
    expect(code).toBe(0)
    // New connections are refused once it has stopped.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
  })
})
