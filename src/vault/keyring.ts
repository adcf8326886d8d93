/**
 * The master keys this process holds, checked against the database's key registry
 * (`vault_keys`): which key is active, which one is being rotated away from, and the key-check
 * values that make a wrong key refuse to start instead of sealing new data under a second key.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { DbHandle } from '../db/database.js'
import type { Database } from '../db/schema.js'
import type { VaultKeysTable } from '../db/tables/vault.js'
import { aad, deriveKey, equalHex, hmacHex, IntegrityError } from './crypto.js'
import type { KeySource, MasterKey } from './key-source.js'

const INDEX_CONTEXT = aad('latchkey index key v1')

/** Thrown when the configured master key cannot open this database: refuse to start. */
export class MasterKeyError extends Error {
  override name = 'MasterKeyError'
}

/**
 * Another store of data keys wrapped by the master key (e.g. sealed workflow content). A
 * master-key rotation re-wraps these too before it retires the old key; register with
 * `keyring.registerStore`.
 */
export interface WrappedKeyStore {
  name: string
  /**
   * How many data keys are wrapped by a key other than `activeKeyId`. `trx` is given when the
   * caller holds a transaction (the final check before retiring a key): read through it, since
   * on SQLite a query outside it would wait for it forever.
   */
  remaining(activeKeyId: string, trx?: Kysely<Database>): Promise<number>
  /** Re-wraps up to `limit` of them under `target`; returns how many changed (0 = done). */
  rewrapBatch(args: {
    activeKeyId: string
    target: MasterKey
    keyFor: (id: string) => Promise<MasterKey>
    limit: number
  }): Promise<number>
}

export class Keyring {
  readonly stores: WrappedKeyStore[] = []

  #keys = new Map<string, MasterKey>()
  /** Keys given for this process only (e.g. `--new-key-file`), kept across source reloads. */
  #pinned: MasterKey[] = []
  #rows: VaultKeysTable[] = []
  #fingerprintKey: Buffer = Buffer.alloc(0)
  #auditRoot: Buffer = Buffer.alloc(0)
  /** Start time (hrtime) of the last key-source reload, and the one in flight. */
  #reloadStartedAt = 0n
  #reloading: Promise<void> | undefined

  private constructor(
    readonly source: KeySource,
    private readonly handle: DbHandle,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads the keys, registers the first key on an empty database, and verifies that this
   * process holds the database's active key (id and check value match, index key opens).
   */
  static async open(handle: DbHandle, source: KeySource, logger: Logger): Promise<Keyring> {
    const ring = new Keyring(source, handle, logger)
    const keys = await source.load()
    ring.#setKeys(keys)
    let rows = await ring.#readRows()
    if (rows.length === 0) {
      // An empty registry next to sealed rows means the registry was lost, not a fresh install:
      // registering a new key now would orphan every secret.
      const sealed = await handle.db.selectFrom('credential_secrets').select('key_id').executeTakeFirst()
      if (sealed) {
        throw new MasterKeyError(
          `the vault key registry (vault_keys) is empty but sealed secrets exist (key ${sealed.key_id}); restore the database; refusing to start`,
        )
      }
      await ring.#register(keys[0]!)
      rows = await ring.#readRows()
    }
    ring.#rows = rows
    const active = ring.activeRow()
    const held = ring.#keys.get(active.id)
    if (!held) {
      const have = [...ring.#keys.keys()].join(', ')
      throw new MasterKeyError(
        `master key mismatch: this database's credentials are sealed under master key ${active.id}, ` +
          `but ${source.description} provides ${have}; refusing to start (configure the right key; ` +
          'a new key is never generated over existing data)',
      )
    }
    if (held.kcv && active.kcv && !equalHex(held.kcv, active.kcv)) {
      throw new MasterKeyError(`master key check failed for ${active.id}: the key-check value does not match`)
    }
    await ring.#loadFingerprintKey(active, held)
    return ring
  }

  activeRow(): VaultKeysTable {
    const a = this.#rows.find((r) => r.state === 'active')
    if (!a) throw new MasterKeyError('the vault key registry has no active master key')
    return a
  }

  get activeKeyId(): string {
    return this.activeRow().id
  }

  rows(): VaultKeysTable[] {
    return this.#rows
  }

  holds(id: string): boolean {
    return this.#keys.has(id)
  }

  /**
   * The key to seal new data with: the active key, or — while another process has started a
   * rotation to a key this process does not hold yet — the key being retired (the re-wrap
   * picks such rows up; sealing checks in its transaction that the key is not retired).
   */
  async sealingKey(): Promise<MasterKey> {
    const active = this.activeRow()
    const k = await this.keyFor(active.id).catch(() => undefined)
    if (k) return k
    const retiring = this.#rows.find((r) => r.state === 'retiring' && this.#keys.has(r.id))
    if (retiring) return this.#keys.get(retiring.id)!
    throw new MasterKeyError(`master key ${active.id} is not available to this instance`)
  }

  /**
   * The key with this id. An unknown id re-reads the key source: a rotation adds the new key
   * to the keyring file before any row refers to it, so a reload that *starts after* the
   * miss is guaranteed to see it (concurrent misses share one reload).
   */
  async keyFor(id: string): Promise<MasterKey> {
    let k = this.#keys.get(id)
    if (!k) {
      const missedAt = process.hrtime.bigint()
      while (this.#reloadStartedAt < missedAt) {
        this.#reloading ??= this.reloadKeys().finally(() => {
          this.#reloading = undefined
        })
        await this.#reloading
      }
      k = this.#keys.get(id)
    }
    if (!k) {
      throw new MasterKeyError(
        `master key ${id} is not available to this instance: add it to ${this.source.description}`,
      )
    }
    return k
  }

  async reloadKeys(): Promise<void> {
    this.#reloadStartedAt = process.hrtime.bigint()
    try {
      this.#setKeys(await this.source.load())
    } catch (err) {
      this.logger.error({ err: { message: (err as Error).message } }, 'master key source reload failed')
    }
  }

  /** Re-reads the registry and the key source (after a rotation started or finished anywhere). */
  async refresh(): Promise<void> {
    this.#rows = await this.#readRows()
    await this.reloadKeys()
  }

  /** Keyed fingerprint of secret material: stable across master-key rotations. */
  fingerprint(provider: string, canonicalSecret: string): string {
    return hmacHex(this.#fingerprintKey, `${provider}\n${canonicalSecret}`).slice(0, 16)
  }

  /**
   * Root of the audit log's keys (chain MAC, checkpoint signing key; src/audit): derived from
   * the installation's index key, so it needs the master key to obtain and survives a
   * master-key rotation unchanged (the index key is re-wrapped, not replaced).
   */
  auditRootKey(): Buffer {
    return Buffer.from(this.#auditRoot)
  }

  /** The index key wrapped under another master key (rotation registers the new key with it). */
  async wrapIndexKeyFor(target: MasterKey): Promise<string> {
    const row = this.activeRow()
    const indexKey = await this.#unwrapIndexKey(row, await this.keyFor(row.id))
    try {
      return (await target.wrap(indexKey, INDEX_CONTEXT)).toString('base64')
    } finally {
      indexKey.fill(0)
    }
  }

  registerStore(store: WrappedKeyStore): void {
    this.stores.push(store)
  }

  /** Holds a key for this process even if the key source does not list it. */
  pin(key: MasterKey): void {
    this.#pinned.push(key)
    this.#keys.set(key.id, key)
  }

  #setKeys(keys: MasterKey[]): void {
    const m = new Map<string, MasterKey>()
    for (const k of [...keys, ...this.#pinned]) m.set(k.id, k)
    this.#keys = m
  }

  async #readRows(): Promise<VaultKeysTable[]> {
    return this.handle.db.selectFrom('vault_keys').selectAll().orderBy('created_at').execute()
  }

  /** First start: the source's first key becomes active, with a fresh index key. */
  async #register(key: MasterKey): Promise<void> {
    const indexKey = randomBytes(32)
    const wrapped = (await key.wrap(indexKey, INDEX_CONTEXT)).toString('base64')
    indexKey.fill(0)
    try {
      await this.handle.db
        .insertInto('vault_keys')
        .values({
          id: key.id,
          kcv: key.kcv,
          state: 'active',
          active_slot: 1,
          wrapped_index_key: wrapped,
          created_at: Date.now(),
          retired_at: null,
          rewrap_total: null,
          rewrap_done: null,
        })
        .execute()
    } catch {
      // Another instance registered first (unique active_slot); its key is checked below.
    }
  }

  async #unwrapIndexKey(row: VaultKeysTable, key: MasterKey): Promise<Buffer> {
    if (!row.wrapped_index_key) throw new MasterKeyError(`master key ${row.id} has no index key`)
    try {
      return await key.unwrap(Buffer.from(row.wrapped_index_key, 'base64'), INDEX_CONTEXT)
    } catch (err) {
      if (err instanceof IntegrityError) {
        throw new MasterKeyError(`master key check failed for ${row.id}: the index key does not open`)
      }
      throw err
    }
  }

  async #loadFingerprintKey(row: VaultKeysTable, key: MasterKey): Promise<void> {
    const indexKey = await this.#unwrapIndexKey(row, key)
    this.#fingerprintKey = deriveKey(indexKey, 'latchkey fingerprint v1')
    this.#auditRoot = deriveKey(indexKey, 'latchkey audit v1')
    indexKey.fill(0)
  }
}
