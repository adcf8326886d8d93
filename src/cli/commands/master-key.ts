/**
 * `latchkey master-key rotate|status` — local commands (they work on the database and the key
 * files directly, like `serve`). Rotation re-wraps data keys while servers keep running; no
 * provider key is decrypted for display or printed. Progress goes to stderr.
 * @module
 */
import fs from 'node:fs'
import { SingleBar } from 'cli-progress'
import type { Command } from 'commander'
import { pino } from 'pino'
import { loadConfig } from '../../config/config.js'
import { createRuntime, type Runtime } from '../../server/runtime.js'
import { parseKeyList } from '../../vault/key-source.js'
import { MasterKeyError } from '../../vault/keyring.js'
import { rotationStatus } from '../../vault/master-key-rotation.js'
import { rotateMasterKey } from '../../vault/master-key-service.js'
import { CliError } from '../index.js'
import { printJson } from '../output.js'

export interface MasterKeyIo {
  stdout: { write(s: string): unknown }
  stderr: { write(s: string): unknown; isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

const processIo: MasterKeyIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }

async function withRuntime<T>(
  io: MasterKeyIo,
  extraKey: Buffer | undefined,
  fn: (rt: Runtime) => Promise<T>,
) {
  const config = loadConfig(io.env)
  // With the key in the environment, the new key must be held from the start (a resumed
  // rotation's active key is the new one).
  if (extraKey && config.masterKey) config.masterKey = `${config.masterKey},${extraKey.toString('base64')}`
  let rt: Runtime
  try {
    rt = await createRuntime(config, {
      logger: pino({ level: 'warn' }, pino.destination(2)),
      processMetrics: false,
    })
  } catch (err) {
    throw new CliError((err as Error).message)
  }
  try {
    return await fn(rt)
  } finally {
    await rt.close()
  }
}

function readNewKey(file: string): Buffer {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new CliError(`cannot read --new-key-file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`)
  }
  const keys = parseKeyList(text, `--new-key-file ${file}`)
  if (keys.length !== 1) throw new CliError(`--new-key-file ${file} must hold exactly one key`)
  return keys[0]!
}

export async function runMasterKeyRotate(
  opts: { newKeyFile?: string; batchSize?: string },
  io: MasterKeyIo = processIo,
): Promise<void> {
  const newKey = opts.newKeyFile ? readNewKey(opts.newKeyFile) : undefined
  const batchSize = opts.batchSize ? Number(opts.batchSize) : 100
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new CliError('--batch-size must be an integer from 1 to 10000', 2)
  }
  await withRuntime(io, newKey, async (rt) => {
    const tty = io.stderr.isTTY === true
    let bar: SingleBar | undefined
    let total = 0
    try {
      const status = await rotateMasterKey(
        { handle: rt.db, keyring: rt.vault.keyring, audit: rt.audit, bus: rt.bus, logger: rt.logger },
        { actor: 'cli', actorKind: 'cli' },
        {
          newKey,
          batchSize,
          onStarted: async ({ fromKeyId, toKeyId }) => {
            io.stderr.write(`rotating master key ${fromKeyId} -> ${toKeyId}\n`)
          },
          onProgress: ({ done, remaining }) => {
            if (tty) {
              if (!bar) {
                total = done + remaining
                bar = new SingleBar({
                  stream: io.stderr as NodeJS.WritableStream,
                  format: 're-wrap [{bar}] {value}/{total}',
                })
                bar.start(total, 0)
              }
              bar.setTotal(Math.max(total, done + remaining))
              bar.update(done)
            } else {
              io.stderr.write(`re-wrapped ${done}, remaining ${remaining}\n`)
            }
          },
        },
      )
      bar?.stop()
      for (const w of status.warnings) io.stderr.write(`warning: ${w}\n`)
      io.stdout.write(`master key rotated: active key ${status.activeKeyId}; old key(s) retired\n`)
    } catch (err) {
      bar?.stop()
      if (err instanceof MasterKeyError) throw new CliError(err.message)
      throw err
    }
  })
}

export async function runMasterKeyStatus(
  io: MasterKeyIo = processIo,
  o: { json?: boolean } = {},
): Promise<void> {
  await withRuntime(io, undefined, async (rt) => {
    const s = await rotationStatus({ handle: rt.db, keyring: rt.vault.keyring })
    if (o.json) {
      printJson(io.stdout, s)
      return
    }
    io.stdout.write(
      s.rotating
        ? `active key ${s.activeKeyId}; rotation in progress from ${s.retiringKeyIds.join(', ')}: ${s.remaining} data key(s) left (run \`latchkey master-key rotate\` to resume)\n`
        : `active key ${s.activeKeyId}; no rotation in progress\n`,
    )
  })
}

export function registerMasterKeyCommands(program: Command): void {
  const mk = program
    .command('master-key')
    .description('master-key operations (local: works on the database and key files)')
  mk.command('rotate')
    .description(
      're-wrap every data key under a new master key while the server runs (resumes an interrupted run)',
    )
    .option(
      '--new-key-file <file>',
      'file holding the new 32-byte base64 key (default: generate it in the keyring file)',
    )
    .option('--batch-size <n>', 'data keys re-wrapped per transaction', '100')
    .action((opts: { newKeyFile?: string; batchSize?: string }) => runMasterKeyRotate(opts))
  mk.command('status')
    .description('show the active master key id and rotation progress')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => runMasterKeyStatus(processIo, o))
}
