/**
 * The `latchkey` command. Local commands (serve, migrate, admin, master-key) work on the
 * database directly; the others are clients of a running server (LATCHKEY_URL/LATCHKEY_TOKEN).
 * Exit codes: 0 success, 1 failure, 2 usage error.
 * @module
 */
import { Command, CommanderError } from 'commander'
import { registerAdminCommands } from './commands/admin.js'
import { registerAuditCommands } from './commands/audit.js'
import { registerBackupCommands } from './commands/backup.js'
import { registerBudgetsCommands } from './commands/budgets.js'
import { registerCheckSwapCommand } from './commands/check-swap.js'
import { registerCompareCommand } from './commands/compare.js'
import { registerKeysCommands } from './commands/keys.js'
import { registerMasterKeyCommands } from './commands/master-key.js'
import { registerMigrateCommand } from './commands/migrate.js'
import { registerMigrateDbCommand } from './commands/migrate-db.js'
import { registerModelsCommand } from './commands/models.js'
import { registerProvidersCommand } from './commands/providers.js'
import { registerRoutesCommands } from './commands/routes.js'
import { registerRunCommand } from './commands/run.js'
import { registerServeCommand } from './commands/serve.js'
import { registerTokensCommands } from './commands/tokens.js'

/** Thrown by commands for an expected failure: message printed alone, exit 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

export function buildProgram(): Command {
  const program = new Command()
  program
    .name('latchkey')
    .description('Self-hosted bring-your-own-key AI gateway, workflows and workspace')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  registerServeCommand(program)
  registerMigrateCommand(program)
  registerMigrateDbCommand(program)
  registerAdminCommands(program)
  registerProvidersCommand(program)
  registerKeysCommands(program)
  registerModelsCommand(program)
  registerRoutesCommands(program)
  registerTokensCommands(program)
  registerBudgetsCommands(program)
  registerMasterKeyCommands(program)
  registerRunCommand(program)
  registerCompareCommand(program)
  registerCheckSwapCommand(program)
  registerAuditCommands(program)
  registerBackupCommands(program)
  return program
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      if (err.exitCode === 0) return 0
      return 2
    }
    const msg = err instanceof Error ? err.message : String(err)
    process.stderr.write(`latchkey: ${msg}\n`)
    return err instanceof CliError ? err.exitCode : 1
  }
}
