/**
 * `latchkey budgets list|create|delete`: spend limits on a running server (LATCHKEY_URL,
 * LATCHKEY_TOKEN). Targets are given by name, not id: `--for` takes a credential or token
 * name, a workspace name or a member's email (ids work too). USD limits may be fractions of
 * a cent (`--limit-usd 0.005`).
 * @module
 */
import type { Command } from 'commander'
import { usdText } from '../../usage/usd-text.js'
import { type ApiClient, clientFrom } from '../api-client.js'
import { CliError } from '../index.js'
import { type Column, printJson, printList, wantsJson } from '../output.js'
import { pickByNameOrId } from '../pick.js'

interface BudgetView {
  id: string
  name: string
  scope: string
  scopeId: string
  window: string
  limitUsd: number | null
  limitTokens: number | null
  spentUsd: number
  spentTokens: number
  windowEnd: string | null
}

const dollars = (v: number | null): string | null => (v === null ? null : usdText(v))

const COLUMNS: Column<BudgetView>[] = [
  { head: 'NAME', get: (b) => b.name },
  { head: 'SCOPE', get: (b) => b.scope },
  { head: 'PERIOD', get: (b) => b.window },
  { head: 'LIMIT USD', get: (b) => dollars(b.limitUsd) },
  { head: 'SPENT USD', get: (b) => (b.limitUsd === null ? null : dollars(b.spentUsd)) },
  { head: 'LIMIT TOKENS', get: (b) => b.limitTokens },
  { head: 'SPENT TOKENS', get: (b) => (b.limitTokens === null ? null : b.spentTokens) },
  { head: 'RESETS', get: (b) => b.windowEnd?.slice(0, 16).replace('T', ' ') },
  { head: 'ID', get: (b) => b.id },
]

const SCOPES = ['org', 'workspace', 'user', 'token', 'credential'] as const

/** The id of the object a budget covers, from a name (or email) or an id. */
async function scopeId(client: ApiClient, scope: string, target: string): Promise<string> {
  type Named = { id: string; name: string }
  const list = async <T>(path: string, map: (t: T) => Named): Promise<Named[]> =>
    (await client.call<{ data: T[] }>('GET', path)).data.map(map)
  const sources: Record<string, () => Promise<Named[]>> = {
    credential: () => list('/api/v1/credentials', (c: Named) => c),
    token: () => list('/api/v1/tokens', (t: Named) => t),
    workspace: () => list('/api/v1/workspaces', (w: Named) => w),
    user: () =>
      list('/api/v1/members', (m: { userId: string; email: string }) => ({ id: m.userId, name: m.email })),
  }
  return pickByNameOrId(await sources[scope]!(), target, scope).id
}

interface CreateOptions {
  scope: string
  for?: string
  period?: string
  limitUsd?: string
  limitTokens?: string
  alertUrl?: string
  json?: boolean
}

export function budgetBody(name: string, o: CreateOptions): Record<string, unknown> {
  if (!(SCOPES as readonly string[]).includes(o.scope))
    throw new CliError(`--scope must be one of ${SCOPES.join(', ')}`, 2)
  if (o.scope !== 'org' && !o.for) throw new CliError(`a ${o.scope} budget needs --for NAME|ID`, 2)
  const usd = o.limitUsd === undefined ? undefined : Number(o.limitUsd)
  if (usd !== undefined && !(Number.isFinite(usd) && usd >= 0))
    throw new CliError('--limit-usd must be a number of dollars, e.g. 20 or 0.005', 2)
  const tokens = o.limitTokens === undefined ? undefined : Number(o.limitTokens)
  if (tokens !== undefined && !(Number.isInteger(tokens) && tokens >= 0))
    throw new CliError('--limit-tokens must be a whole number', 2)
  if (usd === undefined && tokens === undefined)
    throw new CliError('give --limit-usd, --limit-tokens or both', 2)
  return {
    name,
    scope: o.scope,
    ...(o.period ? { period: o.period } : {}),
    ...(usd !== undefined ? { limitUsd: usd } : {}),
    ...(tokens !== undefined ? { limitTokens: tokens } : {}),
    ...(o.alertUrl ? { alertUrl: o.alertUrl } : {}),
  }
}

export function registerBudgetsCommands(program: Command): void {
  const budgets = program
    .command('budgets')
    .description('manage spend limits (USD, tokens) on a running server')
  budgets
    .command('list')
    .description('list budgets with their current spend')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { data } = await clientFrom(process.env).call<{ data: BudgetView[] }>('GET', '/api/v1/budgets')
      printList(process.stdout, o, data, COLUMNS)
    })
  budgets
    .command('create <name>')
    .description('create a budget')
    .option('--scope <scope>', `what it covers: ${SCOPES.join(', ')}`, 'org')
    .option('--for <nameOrId>', 'the credential, token or workspace name, or member email, it covers')
    .option('--period <period>', 'day, month or fixed (default month)')
    .option('--limit-usd <dollars>', 'USD limit; fractions of a cent work (0.005)')
    .option('--limit-tokens <n>', 'token limit (input + output)')
    .option('--alert-url <url>', 'webhook called at 50, 80 and 100 %')
    .option('--json', 'print the budget as JSON')
    .action(async (name: string, o: CreateOptions) => {
      const body = budgetBody(name, o)
      const client = clientFrom(process.env)
      if (o.scope !== 'org') body.scopeId = await scopeId(client, o.scope, o.for!)
      const b = await client.call<BudgetView>('POST', '/api/v1/budgets', body)
      if (wantsJson(o, process.stdout)) return printJson(process.stdout, b)
      const limits = [dollars(b.limitUsd), b.limitTokens === null ? null : `${b.limitTokens} tokens`]
      process.stdout.write(
        `created budget ${b.name} (${b.id}): ${limits.filter(Boolean).join(' / ')} per ${b.window}, ${b.scope}${o.for ? ` ${o.for}` : ''}\n`,
      )
    })
  budgets
    .command('delete <nameOrId>')
    .description('delete a budget')
    .option('--json', 'print the result as JSON')
    .action(async (nameOrId: string, o: { json?: boolean }) => {
      const client = clientFrom(process.env)
      const { data } = await client.call<{ data: BudgetView[] }>('GET', '/api/v1/budgets')
      const b = pickByNameOrId(data, nameOrId, 'budget')
      await client.call('DELETE', `/api/v1/budgets/${b.id}`)
      if (wantsJson(o, process.stdout)) printJson(process.stdout, { deleted: true, id: b.id, name: b.name })
      else process.stdout.write(`deleted budget ${b.name} (${b.id})\n`)
    })
}
