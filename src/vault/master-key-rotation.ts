/**
 * Online master-key rotation. Only wrapped data keys change (provider secrets are never
 * decrypted or re-entered):
 * 1. start: the new key becomes `active` (new seals use it), the old one `retiring`;
 * 2. re-wrap: batches of data keys are unwrapped with the old key and wrapped with the new one,
 *    each batch one transaction with compare-and-swap updates, so it runs beside live traffic
 *    and any number of times (a crash just means running it again: state is in the database);
 * 3. finish: in one transaction the old key is marked `retired` and the rows still under a
 *    non-active key are counted; if any appeared meanwhile the transaction rolls back and the
 *    re-wrap continues (see key-guard.ts for why this cannot race with new seals).
 * @module
 */
import type { Logger } from 'pino'
import type { AuditWriter } from '../audit/audit-event.js'
import type { DbHandle } from '../db/database.js'
import type { ChangeBus } from '../state/change-bus.js'
import { dataKeyContext } from './credential-seal.js'
import type { Db } from './credentials-repo.js'
import { IntegrityError } from './crypto.js'
import { guardKey } from './key-guard.js'
import type { MasterKey } from './key-source.js'
import { type Keyring, MasterKeyError } from './keyring.js'

export interface RotationStatus {
  activeKeyId: string
  /** Keys still being re-wrapped away from (empty when no rotation is in progress). */
  retiringKeyIds: string[]
  rotating: boolean
  total: number | null
  done: number | null
  remaining: number
}

export interface RotationDeps {
  handle: DbHandle
  keyring: Keyring
  audit: AuditWriter
  bus?: ChangeBus
  logger: Logger
}

export interface RotationActor {
  actor: string
  actorKind: 'token' | 'user' | 'system' | 'cli'
}

class RowsAppeared extends Error {}

async function remainingRows(db: Db, activeId: string): Promise<number> {
  const r = await db
    .selectFrom('credential_secrets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key_id', '<>', activeId)
    .executeTakeFirst()
  return Number(r?.n ?? 0)
}

export async function rotationStatus(d: Pick<RotationDeps, 'handle' | 'keyring'>): Promise<RotationStatus> {
  await d.keyring.refresh()
  const active = d.keyring.activeRow()
  const retiring = d.keyring.rows().filter((r) => r.state === 'retiring')
  return {
    activeKeyId: active.id,
    retiringKeyIds: retiring.map((r) => r.id),
    rotating: retiring.length > 0,
    total: active.rewrap_total == null ? null : Number(active.rewrap_total),
    done:
      active.rewrap_done == null
        ? null
        : Math.min(Number(active.rewrap_done), Number(active.rewrap_total ?? 0)),
    remaining: await remainingRows(d.handle.db, active.id),
  }
}

async function auditAllOrgs(
  d: RotationDeps,
  trx: Db,
  who: RotationActor,
  action: string,
  details: Record<string, unknown>,
) {
  const orgs = await trx.selectFrom('orgs').select('id').execute()
  for (const o of orgs) {
    await d.audit.record(trx, {
      orgId: o.id,
      ...who,
      action,
      targetType: 'master_key',
      targetId: String(details.toKeyId),
      details,
    })
  }
}

/** Makes `next` the active key and the current one retiring. No-op when already rotating to it. */
export async function startRotation(d: RotationDeps, next: MasterKey, who: RotationActor): Promise<void> {
  await d.keyring.refresh()
  const rows = d.keyring.rows()
  const active = d.keyring.activeRow()
  if (rows.some((r) => r.state === 'retiring')) {
    if (active.id === next.id) return
    throw new MasterKeyError(
      `a rotation to ${active.id} is still in progress; finish it first (run the command again)`,
    )
  }
  if (active.id === next.id) throw new MasterKeyError('the new master key is the current one')
  if (rows.some((r) => r.id === next.id)) {
    throw new MasterKeyError(`master key ${next.id} was used before and retired; use a fresh key`)
  }
  const wrappedIndex = await d.keyring.wrapIndexKeyFor(next)
  await d.handle.db.transaction().execute(async (trx) => {
    const total = await trx
      .selectFrom('credential_secrets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst()
    await trx
      .updateTable('vault_keys')
      .set({ state: 'retiring', active_slot: null })
      .where('id', '=', active.id)
      .execute()
    await trx
      .insertInto('vault_keys')
      .values({
        id: next.id,
        kcv: next.kcv,
        state: 'active',
        active_slot: 1,
        wrapped_index_key: wrappedIndex,
        created_at: Date.now(),
        retired_at: null,
        rewrap_total: Number(total?.n ?? 0),
        rewrap_done: 0,
      })
      .execute()
    await auditAllOrgs(d, trx, who, 'master_key.rotation_started', { fromKeyId: active.id, toKeyId: next.id })
  })
  await d.bus?.publish('vault-keys')
  await d.keyring.refresh()
}

/**
 * Re-wraps every data key not under the active key, then retires the old key(s).
 * Safe to run concurrently and to resume; throws when rows cannot be opened (named by id).
 */
export async function rewrapAll(
  d: RotationDeps,
  who: RotationActor,
  opts: {
    batchSize?: number
    onProgress?: (s: { done: number; remaining: number }) => void
    signal?: AbortSignal
  } = {},
): Promise<RotationStatus> {
  const batchSize = opts.batchSize ?? 100
  const failed = new Set<string>()
  await d.keyring.refresh()
  const activeId = d.keyring.activeKeyId
  const target = await d.keyring.keyFor(activeId)
  let done = 0
  for (;;) {
    if (opts.signal?.aborted) throw new Error('master-key re-wrap interrupted; it resumes on the next run')
    const batch = (
      await d.handle.db
        .selectFrom('credential_secrets')
        .select(['credential_id', 'version', 'org_id', 'key_id', 'wrapped_key'])
        .where('key_id', '<>', activeId)
        .orderBy('credential_id')
        .limit(batchSize + failed.size)
        .execute()
    ).filter((r) => !failed.has(`${r.credential_id}:${r.version}`))
    if (batch.length === 0) {
      if (failed.size > 0) {
        throw new MasterKeyError(
          `master-key rotation blocked: ${failed.size} sealed secret(s) cannot be opened (${[...failed].slice(0, 10).join(', ')}); revoke those credentials and run again`,
        )
      }
      await rewrapStores(d, activeId, target, batchSize, opts.signal)
      if (await finish(d, who, activeId)) break
      continue
    }
    const updates: {
      credential_id: string
      version: number
      key_id: string
      old: string
      wrapped: string
    }[] = []
    for (const r of batch) {
      const ctx = dataKeyContext({
        orgId: r.org_id,
        credentialId: r.credential_id,
        version: Number(r.version),
      })
      try {
        const from = await d.keyring.keyFor(r.key_id)
        const dek = await from.unwrap(Buffer.from(r.wrapped_key, 'base64'), ctx)
        const wrapped = (await target.wrap(dek, ctx)).toString('base64')
        dek.fill(0)
        updates.push({
          credential_id: r.credential_id,
          version: Number(r.version),
          key_id: r.key_id,
          old: r.wrapped_key,
          wrapped,
        })
      } catch (err) {
        if (!(err instanceof IntegrityError) && !(err instanceof MasterKeyError)) throw err
        failed.add(`${r.credential_id}:${r.version}`)
        d.logger.error(
          { credentialId: r.credential_id, keyId: r.key_id, reason: err.message },
          'data key cannot be re-wrapped',
        )
      }
    }
    await d.handle.db.transaction().execute(async (trx) => {
      await guardKey(trx, activeId)
      let n = 0
      for (const u of updates) {
        const res = await trx
          .updateTable('credential_secrets')
          .set({ key_id: activeId, wrapped_key: u.wrapped })
          .where('credential_id', '=', u.credential_id)
          .where('version', '=', u.version)
          .where('key_id', '=', u.key_id)
          .where('wrapped_key', '=', u.old)
          .executeTakeFirst()
        n += Number(res.numUpdatedRows)
      }
      await trx
        .updateTable('vault_keys')
        .set((eb) => ({ rewrap_done: eb('rewrap_done', '+', n) }))
        .where('id', '=', activeId)
        .execute()
      done += n
    })
    opts.onProgress?.({ done, remaining: await remainingRows(d.handle.db, activeId) })
  }
  await d.bus?.publish('vault-keys')
  return rotationStatus(d)
}

/**
 * Re-wraps the data keys of other registered stores (sealed workflow content…). They are not
 * covered by the key guard: a store that can be written by an instance still sealing under
 * the old key should re-seal on its own after the rotation event.
 */
async function rewrapStores(
  d: RotationDeps,
  activeId: string,
  target: MasterKey,
  limit: number,
  signal?: AbortSignal,
) {
  const keyFor = (id: string) => d.keyring.keyFor(id)
  for (const store of d.keyring.stores) {
    while ((await store.remaining(activeId)) > 0) {
      if (signal?.aborted) throw new Error('master-key re-wrap interrupted; it resumes on the next run')
      const n = await store.rewrapBatch({ activeKeyId: activeId, target, keyFor, limit })
      if (n === 0) {
        throw new MasterKeyError(`master-key rotation blocked: ${store.name} has data keys it cannot re-wrap`)
      }
    }
  }
}

/** Retires the old key(s) if nothing is left under them; false when rows appeared meanwhile. */
async function finish(d: RotationDeps, who: RotationActor, activeId: string): Promise<boolean> {
  const retiring = d.keyring
    .rows()
    .filter((r) => r.state === 'retiring')
    .map((r) => r.id)
  try {
    await d.handle.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('vault_keys')
        .set({ state: 'retired', retired_at: Date.now(), wrapped_index_key: null })
        .where('state', '=', 'retiring')
        .executeTakeFirst()
      if ((await remainingRows(trx, activeId)) > 0) throw new RowsAppeared()
      for (const store of d.keyring.stores)
        if ((await store.remaining(activeId, trx)) > 0) throw new RowsAppeared()
      if (Number(r.numUpdatedRows) > 0) {
        await auditAllOrgs(d, trx, who, 'master_key.rotated', { fromKeyIds: retiring, toKeyId: activeId })
      }
    })
    return true
  } catch (err) {
    if (err instanceof RowsAppeared) return false
    throw err
  }
}
