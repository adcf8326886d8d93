/**
 * Chooses the master-key source from configuration (DESIGN.md): `LATCHKEY_MASTER_KEY`, else
 * `LATCHKEY_MASTER_KEY_FILE`, else `LATCHKEY_HOME/master.key` — generated (mode 0600, with a
 * one-time warning to back it up) only on an empty embedded database. With `DATABASE_URL`
 * an explicit key is required: several instances must share it.
 * @module
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config/config.js'
import type { DbHandle } from '../db/database.js'
import {
  createKeyFile,
  envKeySource,
  fileKeySource,
  isLooselyReadable,
  type KeySource,
  type MasterKey,
} from './key-source.js'
import { MasterKeyError } from './keyring.js'

export function homeKeyFile(config: Pick<Config, 'home'>): string {
  return path.join(config.home, 'master.key')
}

export async function resolveKeySource(
  config: Pick<Config, 'masterKey' | 'masterKeyFile' | 'databaseUrl' | 'home'>,
  handle: DbHandle,
  logger: Logger,
): Promise<KeySource> {
  if (config.masterKey && config.masterKeyFile) {
    throw new MasterKeyError('set LATCHKEY_MASTER_KEY or LATCHKEY_MASTER_KEY_FILE, not both')
  }
  if (config.masterKey) return envKeySource(config.masterKey)
  if (config.masterKeyFile) {
    const file = path.resolve(config.masterKeyFile)
    if (!fs.existsSync(file)) throw new MasterKeyError(`LATCHKEY_MASTER_KEY_FILE ${file} does not exist`)
    warnIfReadable(file, logger)
    return fileKeySource(file, `LATCHKEY_MASTER_KEY_FILE (${file})`)
  }
  if (config.databaseUrl) {
    throw new MasterKeyError(
      'DATABASE_URL is set: provide LATCHKEY_MASTER_KEY or LATCHKEY_MASTER_KEY_FILE (every instance must share the same key)',
    )
  }
  const file = homeKeyFile(config)
  if (!fs.existsSync(file)) {
    const sealed = await handle.db.selectFrom('vault_keys').select('id').executeTakeFirst()
    if (sealed) {
      throw new MasterKeyError(
        `${file} is missing but this database holds credentials sealed under master key ${sealed.id}; ` +
          'restore the key file (or set LATCHKEY_MASTER_KEY); a new key is never generated over existing data',
      )
    }
    try {
      createKeyFile(file)
      logger.warn(
        { file },
        'generated a new master key: back this file up now; without it sealed provider keys cannot be recovered',
      )
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  } else {
    warnIfReadable(file, logger)
  }
  return fileKeySource(file, `${file}`)
}

function warnIfReadable(file: string, logger: Logger): void {
  if (isLooselyReadable(file)) {
    logger.warn({ file }, 'master key file is readable by group or others: chmod 600 it')
  }
}

/** A source that also offers extra keys (e.g. `--new-key-file`); writes go to the base. */
export function withExtraKeys(base: KeySource, extra: MasterKey[]): KeySource {
  return {
    description: base.description,
    async load() {
      const keys = await base.load()
      return [...keys, ...extra.filter((e) => !keys.some((k) => k.id === e.id))]
    },
    ...(base.generate ? { generate: () => base.generate!() } : {}),
    ...(base.add ? { add: (raw: Buffer) => base.add!(raw) } : {}),
    ...(base.remove ? { remove: (ids: string[]) => base.remove!(ids) } : {}),
  }
}
