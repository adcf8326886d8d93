import type { Command } from 'commander'
import { loadConfig } from '../../config/config.js'
import { parseDuration } from '../../config/duration.js'
import { type DbHandle, openDatabase, pingDatabase } from '../../db/database.js'
import { migrateToLatest } from '../../db/migrate.js'
import { createInvite, inviteLink } from '../../identity/invites.js'
import { ensureDefaultOrg } from '../../identity/orgs.js'
import { isRole, ROLES, type Role } from '../../identity/principal.js'
import { insertToken } from '../../identity/tokens-repo.js'
import { CliError } from '../index.js'

async function withDb<T>(fn: (h: DbHandle) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const handle = openDatabase({ url: config.databaseUrl, home: config.home })
  try {
    await pingDatabase(handle)
    await migrateToLatest(handle)
    return await fn(handle)
  } finally {
    await handle.close()
  }
}

function parseRole(v: string): Role {
  if (!isRole(v)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`, 2)
  return v
}

export function registerAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      'bootstrap commands that work on the local database directly (filesystem access is the trust root)',
    )

  admin
    .command('token')
    .description('create an access token; prints only the token (lk_…) on stdout')
    .requiredOption('--name <name>', 'a label for the token')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'owner')
    .option('--expires <duration>', 'lifetime such as 30d or 12h (default: no expiry)')
    .action(async (opts: { name: string; role: string; expires?: string }) => {
      const role = parseRole(opts.role)
      const name = opts.name.trim()
      if (!name || name.length > 200) throw new CliError('--name must be 1 to 200 characters', 2)
      let expiresAt: number | null = null
      if (opts.expires) {
        const ms = parseDuration(opts.expires)
        if (!ms) throw new CliError('--expires must be a duration such as 30d or 12h', 2)
        expiresAt = Date.now() + ms
      }
      const raw = await withDb(async (h) => {
        const { orgId, workspaceId } = await ensureDefaultOrg(h.db)
        const { raw } = await insertToken(h.db, {
          orgId,
          workspaceId,
          userId: null,
          name,
          role,
          createdBy: 'cli',
          expiresAt,
        })
        return raw
      })
      process.stdout.write(`${raw}\n`)
    })

  const user = admin.command('user').description('manage users')
  user
    .command('add')
    .description('add a user to the default org and print a one-time set-password link')
    .requiredOption('--email <email>', 'the user’s email address')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'member')
    .action(async (opts: { email: string; role: string }) => {
      const role = parseRole(opts.role)
      const email = opts.email.trim().toLowerCase()
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
        throw new CliError('--email is not a valid email address', 2)
      const config = loadConfig()
      const raw = await withDb(async (h) => {
        const { orgId, workspaceId } = await ensureDefaultOrg(h.db)
        return h.db.transaction().execute(async (trx) => {
          const existing = await trx
            .selectFrom('users')
            .innerJoin('org_memberships', 'org_memberships.user_id', 'users.id')
            .select(['org_memberships.pending_since'])
            .where('users.email', '=', email)
            .where('org_memberships.org_id', '=', orgId)
            .executeTakeFirst()
          if (existing && existing.pending_since == null) throw new CliError(`${email} is already a member`)
          const inv = await createInvite(trx, { orgId, workspaceId, email, role, createdBy: 'cli' })
          return inv.raw
        })
      })
      process.stdout.write(`${inviteLink(config.url, raw)}\n`)
      process.stderr.write('The link works once and expires in 7 days.\n')
    })
}
