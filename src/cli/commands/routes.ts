/**
 * `latchkey routes list|show|set|delete|health`: route aliases on a running server
 * (LATCHKEY_URL, LATCHKEY_TOKEN). `set` creates or replaces an alias from flags:
 * `--target cred/model[=weight]` (repeatable), `--fallback cred/model` (repeatable),
 * `--retries N`, `--timeout MS`, `--mode strict|lenient`.
 * @module
 */
import type { Command } from 'commander'
import type { StoredRoute } from '../../gateway/routes-store.js'
import { ApiError, clientFrom } from '../api-client.js'
import { CliError } from '../index.js'
import { type Column, printJson, printList, printRecord, wantsJson } from '../output.js'

const repeat = (v: string, acc: string[]) => [...acc, v]
const path = (alias: string) => `/api/v1/routes/${encodeURIComponent(alias)}`

export interface SetOptions {
  target: string[]
  fallback: string[]
  retries?: string
  timeout?: string
  mode?: string
  json?: boolean
}

function int(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${flag} must be a whole number`, 2)
  return n
}

/** The route body from flags; the server validates the rest (credentials exist, ranges). */
export function routeBody(o: SetOptions): Record<string, unknown> {
  if (o.target.length === 0) throw new CliError('give at least one --target credential/model[=weight]', 2)
  const targets = o.target.map((t) => {
    const m = /^(.+?\/.+?)(?:=(\d+(?:\.\d+)?))?$/.exec(t)
    if (!m) throw new CliError(`--target ${t}: expected credential/model or credential/model=weight`, 2)
    return m[2] === undefined ? { model: m[1] } : { model: m[1], weight: Number(m[2]) }
  })
  const retries = int(o.retries, '--retries')
  const timeoutMs = int(o.timeout, '--timeout')
  if (o.mode && o.mode !== 'strict' && o.mode !== 'lenient')
    throw new CliError('--mode must be strict or lenient', 2)
  return {
    targets,
    ...(o.fallback.length ? { fallbacks: o.fallback.map((model) => ({ model })) } : {}),
    ...(retries !== undefined ? { retry: { attempts: retries + 1 } } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(o.mode ? { mode: o.mode } : {}),
  }
}

const targetsText = (r: StoredRoute) =>
  r.targets.map((t) => (t.weight !== undefined ? `${t.model}=${t.weight}` : t.model)).join(' ')

const COLUMNS: Column<StoredRoute>[] = [
  { head: 'ALIAS', get: (r) => r.alias },
  { head: 'TARGETS', get: targetsText },
  { head: 'FALLBACKS', get: (r) => r.fallbacks.map((f) => f.model).join(' ') },
  { head: 'ATTEMPTS', get: (r) => r.retry.attempts },
  { head: 'TIMEOUT', get: (r) => (r.timeoutMs ? `${r.timeoutMs}ms` : null) },
  { head: 'MODE', get: (r) => r.mode ?? 'strict' },
]

interface HealthRow {
  model: string
  role: string
  weight: number | null
  state: string
  requests?: number
}

export function registerRoutesCommands(program: Command): void {
  const routes = program
    .command('routes')
    .description('manage route aliases (weighted targets, fallbacks, retries) on a running server')
  routes
    .command('list')
    .description('list route aliases')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { data } = await clientFrom(process.env).call<{ data: StoredRoute[] }>('GET', '/api/v1/routes')
      printList(process.stdout, o, data, COLUMNS)
    })
  routes
    .command('show <alias>')
    .description('one route alias')
    .option('--json', 'print JSON')
    .action(async (alias: string, o: { json?: boolean }) => {
      const r = await clientFrom(process.env).call<StoredRoute>('GET', path(alias))
      printRecord(process.stdout, o, r as unknown as Record<string, unknown>)
    })
  routes
    .command('set <alias>')
    .description('create or replace a route alias')
    .option('--target <cred/model[=weight]>', 'a target (repeatable; weights split traffic)', repeat, [])
    .option('--fallback <cred/model>', 'tried in order when the targets fail (repeatable)', repeat, [])
    .option('--retries <n>', 'retries per call after the first attempt')
    .option('--timeout <ms>', 'per-attempt timeout in milliseconds')
    .option('--mode <mode>', 'strict (refuse unsupported parameters) or lenient (drop them)')
    .option('--json', 'print the stored route as JSON')
    .action(async (alias: string, o: SetOptions) => {
      const body = routeBody(o)
      const client = clientFrom(process.env)
      let r: StoredRoute
      let verb = 'updated'
      try {
        await client.call('GET', path(alias))
        r = await client.call<StoredRoute>('PUT', path(alias), body)
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) throw e
        r = await client.call<StoredRoute>('POST', '/api/v1/routes', { alias, ...body })
        verb = 'created'
      }
      if (wantsJson(o, process.stdout)) printJson(process.stdout, r)
      else process.stdout.write(`${verb} route ${r.alias}: ${targetsText(r)}\n`)
    })
  routes
    .command('delete <alias>')
    .description('delete a route alias')
    .option('--json', 'print the result as JSON')
    .action(async (alias: string, o: { json?: boolean }) => {
      await clientFrom(process.env).call('DELETE', path(alias))
      if (wantsJson(o, process.stdout)) printJson(process.stdout, { deleted: true, alias })
      else process.stdout.write(`deleted route ${alias}\n`)
    })
  routes
    .command('health <alias>')
    .description("circuit-breaker state of each of the route's targets")
    .option('--json', 'print JSON')
    .action(async (alias: string, o: { json?: boolean }) => {
      const h = await clientFrom(process.env).call<{ targets: HealthRow[] }>('GET', `${path(alias)}/health`)
      if (wantsJson(o, process.stdout)) return printJson(process.stdout, h)
      printList(process.stdout, o, h.targets, [
        { head: 'MODEL', get: (t) => t.model },
        { head: 'ROLE', get: (t) => t.role },
        { head: 'WEIGHT', get: (t) => t.weight },
        { head: 'STATE', get: (t) => t.state },
        { head: 'REQUESTS', get: (t) => t.requests },
      ])
    })
}
