/**
 * The real binary against a real `latchkey serve --port --host` and a fake OpenAI-compatible
 * upstream: providers, keyless keys, models, routes, tokens, budgets (sub-cent), check-swap
 * output modes, and a shipped example run unedited through `--map`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { tempHome } from '../helpers.js'
import { BIN, freePort, waitForHealth } from './process.js'

const exec = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../..')
const UPSTREAM_KEY = 'sk-fake-upstream-key-0123456789'

interface Result {
  code: number
  stdout: string
  stderr: string
}

// Every test starts CLI processes (each start took up to ~10 s on this 2-core machine under a
// parallel suite): a slow start is not what these test.
describe('latchkey CLI commands (real processes)', { timeout: 120_000 }, () => {
  let home: string
  let child: ChildProcess
  let fake: FakeUpstream
  let env: NodeJS.ProcessEnv
  let url: string
  let serverLog = ''

  const cli = async (args: string[], extraEnv: Record<string, string> = {}): Promise<Result> => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
        env: { ...env, ...extraEnv },
        cwd: ROOT,
      })
      return { code: 0, stdout, stderr }
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string }
      return { code: err.code, stdout: err.stdout, stderr: err.stderr }
    }
  }
  const ok = async (args: string[], extraEnv: Record<string, string> = {}): Promise<string> => {
    const r = await cli(args, extraEnv)
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
    return r.stdout
  }

  beforeAll(async () => {
    fake = await startFakeOpenAI()
    home = tempHome()
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    env = {
      ...process.env,
      LATCHKEY_HOME: home,
      // The flags must win over these: nothing listens on this port.
      LATCHKEY_PORT: String(await freePort()),
      LATCHKEY_HOST: 'localhost',
      LATCHKEY_LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      REDIS_URL: '',
    }
    delete env.LATCHKEY_MASTER_KEY
    delete env.LATCHKEY_TOKEN
    child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.on('data', (d) => {
      serverLog += d
    })
    child.stderr?.on('data', (d) => {
      serverLog += d
    })
    await waitForHealth(url, child)
    const token = (await ok(['admin', 'token', '--name', 'cli-test', '--role', 'owner'])).trim()
    env = { ...env, LATCHKEY_URL: url, LATCHKEY_TOKEN: token }
  }, 120_000)
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
    await fake?.close()
    fs.rmSync(home, { recursive: true, force: true })
  })

  it('serve --port/--host override LATCHKEY_PORT/LATCHKEY_HOST', async () => {
    const r = await fetch(`${url}/healthz`)
    expect(r.status).toBe(200)
  })

  it('providers lists kinds with keyless and default base URL (table and --json)', async () => {
    const table = await ok(['providers'])
    expect(table).toMatch(/^KIND\s+NAME\s+CATEGORY\s+KEY\s+BASE URL/)
    expect(table).toMatch(
      /ollama\s+Ollama\s+local\s+optional \(keyless\)\s+--base-url required \(usually http:\/\/127\.0\.0\.1:11434\/v1\)/,
    )
    expect(table).toMatch(/openai\s+OpenAI\s+frontier\s+required\s+https:\/\/api\.openai\.com\/v1/)
    expect(table).toMatch(/openai-compatible .*--base-url required\n/)
    const { data } = JSON.parse(await ok(['providers', '--json']))
    expect(data.find((k: { kind: string }) => k.kind === 'ollama')).toMatchObject({
      keyless: true,
      key: 'optional',
      defaultBaseUrl: 'http://127.0.0.1:11434/v1',
    })
    expect(data.find((k: { kind: string }) => k.kind === 'anthropic')).toMatchObject({ keyless: false })
  })

  it('keys add stores a keyless kind without a secret; --no-key is refused for kinds that need one', async () => {
    const noUrl = await cli(['keys', 'add', 'local-llm', '--provider', 'ollama', '--no-key'])
    expect(noUrl.code).toBe(2)
    expect(noUrl.stderr).toContain(
      'ollama needs --base-url: --base-url required (usually http://127.0.0.1:11434/v1)',
    )
    const local = [
      '--provider',
      'ollama',
      '--base-url',
      'http://127.0.0.1:11434/v1',
      '--scope',
      'org',
      '--no-key',
    ]
    expect(await ok(['keys', 'add', 'local-llm', ...local])).toMatch(
      /^created local-llm \(cred_[^)]+\) provider=ollama scope=org .* last4=-/,
    )
    const refused = await cli(['keys', 'add', 'x', '--provider', 'openai', '--no-key'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('openai needs a key; --no-key is for keyless kinds')
    const { data } = JSON.parse(await ok(['keys', 'list', '--json']))
    expect(data.find((c: { name: string }) => c.name === 'local-llm')).toMatchObject({
      provider: 'ollama',
      last4: null,
      baseUrl: 'http://127.0.0.1:11434/v1',
    })
  })

  it('keys add refuses a placeholder key with the reason, never echoing it', async () => {
    const r = await cli(['keys', 'add', 'ph', '--provider', 'openai', '--from-env', 'K'], { K: 'sk-…' })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /server refused \(400\): apiKey looks like a placeholder, not a real key \(it contains an ellipsis/,
    )
    expect(r.stderr + r.stdout).not.toContain('sk-…')
  })

  it('models lists what the token may use, as a table, as JSON, filtered by mode', async () => {
    await ok(
      [
        'keys',
        'add',
        'fake',
        '--provider',
        'openai-compatible',
        '--base-url',
        fake.baseUrl,
        '--scope',
        'org',
        '--from-env',
        'K',
        '--json',
      ],
      { K: UPSTREAM_KEY },
    )
    const table = await ok(['models', '--credential', 'fake'])
    expect(table).toMatch(/^MODEL\s+PROVIDER\s+MODE\s+CAPABILITIES/)
    expect(table).toMatch(/fake\/gpt-4o-mini\s+openai-compatible\s+chat/)
    const { data } = JSON.parse(await ok(['models', '--json', '--mode', 'chat']))
    const ids = data.map((m: { id: string }) => m.id)
    expect(ids).toContain('fake/gpt-4o-mini')
    expect(ids).not.toContain('fake/text-embedding-3-small')
  })

  it('routes set (create, then replace), list, health and delete', async () => {
    expect(
      await ok([
        'routes',
        'set',
        'fast',
        '--target',
        'fake/gpt-4o-mini=3',
        '--fallback',
        'fake/gpt-4o-mini',
        '--retries',
        '1',
      ]),
    ).toBe('created route fast: fake/gpt-4o-mini=3\n')
    expect(await ok(['routes', 'set', 'fast', '--target', 'fake/gpt-4o-mini', '--mode', 'lenient'])).toBe(
      'updated route fast: fake/gpt-4o-mini\n',
    )
    expect(await ok(['routes', 'list'])).toMatch(
      /^ALIAS\s+TARGETS[^\n]*\nfast\s+fake\/gpt-4o-mini\s+-\s+2\s+-\s+lenient/,
    )
    const health = JSON.parse(await ok(['routes', 'health', 'fast', '--json']))
    expect(health).toMatchObject({
      alias: 'fast',
      healthy: true,
      targets: [{ model: 'fake/gpt-4o-mini', state: 'closed' }],
    })
    const bad = await cli(['routes', 'set', 'typo', '--target', 'nope/gpt-4o-mini'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('server refused (400)')
    expect(JSON.parse(await ok(['routes', 'delete', 'fast', '--json']))).toEqual({
      deleted: true,
      alias: 'fast',
    })
    expect(await ok(['routes', 'list'])).toBe('(none)\n')
  })

  it('tokens create prints the token once; list shows it by name; revoke by name stops it', async () => {
    const created = await cli(['tokens', 'create', 'ci-bot', '--role', 'member', '--scopes', 'gateway'])
    expect(created.code, created.stderr).toBe(0)
    const token = created.stdout.trim()
    expect(token).toMatch(/^lk_[A-Za-z0-9_-]+$/)
    expect(created.stderr).toContain('created token ci-bot')
    expect(await ok(['tokens', 'list'])).toMatch(/ci-bot\s+lk_\S*\s+member\s+gateway\s+never/)
    const me = () => fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })
    expect((await me()).status).toBe(200)
    expect(await ok(['tokens', 'revoke', 'ci-bot'])).toMatch(/^revoked token ci-bot \(tok_/)
    expect((await me()).status).toBe(401)
    expect(await ok(['tokens', 'list'])).not.toContain('ci-bot')
  })

  it('budgets: a sub-cent limit on a credential given by name, listed in dollars, deleted by name', async () => {
    expect(
      await ok([
        'budgets',
        'create',
        'tiny',
        '--scope',
        'credential',
        '--for',
        'fake',
        '--limit-usd',
        '0.005',
      ]),
    ).toMatch(/^created budget tiny \(bdg_[^)]+\): \$0\.005 per month, credential fake\n$/)
    const { data } = JSON.parse(await ok(['budgets', 'list', '--json']))
    expect(data[0]).toMatchObject({ name: 'tiny', scope: 'credential', limitUsd: 0.005 })
    expect(await ok(['budgets', 'list'])).toMatch(/tiny\s+credential\s+month\s+\$0\.005\s+\$0\.00/)
    const noTarget = await cli(['budgets', 'create', 'x', '--scope', 'credential', '--limit-usd', '1'])
    expect(noTarget.code).toBe(2)
    expect(noTarget.stderr).toContain('a credential budget needs --for NAME|ID')
    expect(await ok(['budgets', 'delete', 'tiny'])).toMatch(/^deleted budget tiny/)
  })

  it('check-swap: JSON on stdout when piped or with --json, the table on stderr', async () => {
    const r = await cli(['check-swap', '--models', 'fake/gpt-4o-mini,fake/gpt-4o-mini'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ identical: true })
    expect(r.stderr).toMatch(/^model\s+finish\s+tools/m)
    expect(r.stderr).toContain('structurally identical')
    const j = await cli(['check-swap', '--json', '--models', 'fake/gpt-4o-mini,fake/gpt-4o-mini'])
    expect(JSON.parse(j.stdout).answers).toHaveLength(2)
  })

  it('a shipped example runs unedited with --map; without it the error points at --map', async () => {
    const recipe = 'examples/summarize-and-classify.yaml'
    const input = 'examples/inputs/document.json'
    const before = fs.readFileSync(path.join(ROOT, recipe), 'utf8')
    const missing = await cli(['run', recipe, '--input', input])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('run it with --map openai=YOUR_CREDENTIAL')
    fake.words = ['{"category":"report","confidence":0.9,"summary":"A report."}']
    try {
      const r = await cli([
        'run',
        recipe,
        '--input',
        input,
        '--map',
        'openai=fake',
        '--map',
        'anthropic=fake',
      ])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ category: 'report', confidence: 0.9, summary: 'A report.' })
      expect(r.stderr).toMatch(/summary\s+fake\/gpt-4o-mini\s+succeeded/)
      const unknown = await cli(['run', recipe, '--input', input, '--map', 'mistral=fake'])
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toContain('no step of the recipe uses credential mistral')
    } finally {
      fake.words = ['Hello', ',', ' world', '!']
    }
    expect(fs.readFileSync(path.join(ROOT, recipe), 'utf8')).toBe(before)
  })

  it('never printed the upstream key', () => {
    expect(serverLog).not.toContain(UPSTREAM_KEY)
  })
})
