/**
 * One master-key rotation from start to finish, shared by `latchkey master-key rotate` and
 * `POST /api/v1/master-key/rotate`: choose the new key (given, left over from an interrupted
 * run, or generated into the keyring file), start, re-wrap, then drop retired keys from a
 * keyring file we manage. Re-running it resumes an interrupted rotation.
 * @module
 */
import { localMasterKey, type MasterKey } from './key-source.js'
import { MasterKeyError } from './keyring.js'
import {
  type RotationActor,
  type RotationDeps,
  type RotationStatus,
  rewrapAll,
  startRotation,
} from './master-key-rotation.js'

export interface RotateOptions {
  /** The new key's 32 bytes (`--new-key-file`); otherwise one is generated in the keyring file. */
  newKey?: Buffer
  batchSize?: number
  onProgress?: (s: { done: number; remaining: number }) => void
  /** Called once the new key is active (before the re-wrap). */
  onStarted?: (s: { fromKeyId: string; toKeyId: string }) => void
  signal?: AbortSignal
}

export async function rotateMasterKey(
  d: RotationDeps,
  who: RotationActor,
  opts: RotateOptions = {},
): Promise<RotationStatus & { warnings: string[] }> {
  const warnings: string[] = []
  const source = d.keyring.source
  await d.keyring.refresh()
  const rows = d.keyring.rows()
  const fromKeyId = d.keyring.activeKeyId
  if (!rows.some((r) => r.state === 'retiring')) {
    let next: MasterKey
    if (opts.newKey) {
      next = localMasterKey(opts.newKey)
      d.keyring.pin(next)
      if (source.add) {
        try {
          await source.add(opts.newKey)
        } catch (err) {
          warnings.push(
            `could not add the new key to ${source.description} (${(err as Error).message}); give it to every instance`,
          )
        }
      } else {
        warnings.push(
          `the master key comes from ${source.description}: give the new key to every instance (keep both until this finishes)`,
        )
      }
    } else {
      const known = new Set(rows.map((r) => r.id))
      // A key added to the keyring by an interrupted earlier run is reused, not orphaned.
      const spare = (await source.load()).find((k) => !known.has(k.id))
      if (spare) next = spare
      else if (source.generate) next = await source.generate()
      else {
        throw new MasterKeyError(
          `the master key comes from ${source.description}: pass --new-key-file with the new key`,
        )
      }
    }
    await startRotation(d, next, who)
  }
  opts.onStarted?.({ fromKeyId, toKeyId: d.keyring.activeKeyId })
  const status = await rewrapAll(d, who, opts)
  const retired = d.keyring
    .rows()
    .filter((r) => r.state === 'retired')
    .map((r) => r.id)
  if (source.remove && retired.length > 0) {
    const held = (await source.load()).map((k) => k.id)
    const drop = retired.filter((id) => held.includes(id))
    if (drop.length > 0) {
      try {
        await source.remove(drop)
      } catch (err) {
        warnings.push(`could not remove retired key(s) from ${source.description}: ${(err as Error).message}`)
      }
    }
  }
  return { ...status, warnings }
}
