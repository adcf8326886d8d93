/**
 * `latchkey tokens list|create|revoke`: access tokens on a running server (LATCHKEY_URL,
 * LATCHKEY_TOKEN). `create` prints the new token once (stdout, alone, unless `--json`): it is
 * never shown again. Revoke takes a name or an id.
 * @module
 */
import type { Command } from 'commander'
import type { TokenView } from '../../identity/tokens-repo.js'
import { clientFrom } from '../api-client.js'
import { CliError } from '../index.js'
import { type Column, printJson, printList, wantsJson } from '../output.js'
import { pickByNameOrId } from '../pick.js'

const COLUMNS: Column<TokenView>[] = [
  { head: 'NAME', get: (t) => t.name },
  { head: 'PREFIX', get: (t) => t.prefix },
  { head: 'ROLE', get: (t) => t.role },
  { head: 'SCOPES', get: (t) => (t.scopes.length ? t.scopes.join(',') : 'all') },
  { head: 'EXPIRES', get: (t) => t.expiresAt?.slice(0, 10) ?? 'never' },
  { head: 'LAST USED', get: (t) => t.lastUsedAt?.slice(0, 16).replace('T', ' ') },
  { head: 'REVOKED', get: (t) => t.revokedAt?.slice(0, 10) },
  { head: 'ID', get: (t) => t.id },
]

interface CreateOptions {
  role?: string
  workspace?: string
  scopes?: string
  expiresInDays?: string
  json?: boolean
}

export function registerTokensCommands(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('manage access tokens on a running server (values are shown once, at creation)')
  tokens
    .command('list')
    .description('list access tokens (never their values)')
    .option('--all', 'include revoked tokens')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean; all?: boolean }) => {
      const { data } = await clientFrom(process.env).call<{ data: TokenView[] }>('GET', '/api/v1/tokens')
      printList(
        process.stdout,
        o,
        data.filter((t) => o.all || !t.revokedAt),
        COLUMNS,
      )
    })
  tokens
    .command('create <name>')
    .description('create a token; prints it once')
    .option('--role <role>', 'owner, admin, member or auditor (default: member)')
    .option('--workspace <id>', 'bind the token to a workspace')
    .option('--scopes <list>', 'comma-separated scopes, e.g. gateway,usage (default: all its role allows)')
    .option('--expires-in-days <n>', 'lifetime in days (default: no expiry)')
    .option('--json', 'print the token and its metadata as JSON')
    .action(async (name: string, o: CreateOptions) => {
      const days = o.expiresInDays === undefined ? undefined : Number(o.expiresInDays)
      if (days !== undefined && !(Number.isInteger(days) && days >= 1))
        throw new CliError('--expires-in-days must be a whole number of days, 1 or more', 2)
      const body = {
        name,
        ...(o.role ? { role: o.role } : {}),
        ...(o.workspace ? { workspaceId: o.workspace } : {}),
        ...(o.scopes ? { scopes: o.scopes.split(',').map((s) => s.trim()) } : {}),
        ...(days !== undefined ? { expiresInDays: days } : {}),
      }
      const t = await clientFrom(process.env).call<TokenView & { token: string }>(
        'POST',
        '/api/v1/tokens',
        body,
      )
      if (wantsJson(o, process.stdout)) return printJson(process.stdout, t)
      process.stdout.write(`${t.token}\n`)
      process.stderr.write(`created token ${t.name} (${t.id}, role ${t.role}); it is shown only this once\n`)
    })
  tokens
    .command('revoke <nameOrId>')
    .description('revoke a token (it stops working at once)')
    .option('--json', 'print the result as JSON')
    .action(async (nameOrId: string, o: { json?: boolean }) => {
      const client = clientFrom(process.env)
      const { data } = await client.call<{ data: TokenView[] }>('GET', '/api/v1/tokens')
      // Names are matched among live tokens (a revoked namesake is no ambiguity); ids among all.
      const candidates = data.filter((t) => !t.revokedAt || t.id === nameOrId)
      const t = pickByNameOrId(candidates, nameOrId, 'token', (x) => x.prefix)
      await client.call('DELETE', `/api/v1/tokens/${t.id}`)
      if (wantsJson(o, process.stdout)) printJson(process.stdout, { revoked: true, id: t.id, name: t.name })
      else process.stdout.write(`revoked token ${t.name} (${t.id})\n`)
    })
}
