/**
 * Where master keys come from. Callers see only `KeySource` and `MasterKey` (wrap/unwrap by
 * key id), so a KMS or Vault-transit source can be added later without touching them: such a
 * source returns MasterKeys whose wrap/unwrap are remote calls and whose kcv is ''.
 *
 * Local sources hold one or more 32-byte keys ("keyring"): `LATCHKEY_MASTER_KEY` (base64,
 * comma-separated for several), `LATCHKEY_MASTER_KEY_FILE` or the generated
 * `LATCHKEY_HOME/master.key` (one base64 key per line, `#` comments). Which key is *active*
 * is decided by the database (vault_keys), never by order, so adding a key is harmless.
 * @module
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { aad, KEY_BYTES, keyCheckValue, localKeyId, open, seal } from './crypto.js'

export interface MasterKey {
  readonly id: string
  /** Key-check value; '' when the source cannot compute one (the index-key unwrap checks it). */
  readonly kcv: string
  wrap(plain: Buffer, context: Buffer): Promise<Buffer>
  unwrap(blob: Buffer, context: Buffer): Promise<Buffer>
}

export interface KeySource {
  /** Where the keys come from, for messages (never the key). */
  readonly description: string
  /** Every key available now; re-reads files, so a rotation started elsewhere is picked up. */
  load(): Promise<MasterKey[]>
  /** Present when the source can store a new key (a keyring file we may write). */
  generate?(): Promise<MasterKey>
  add?(raw: Buffer): Promise<MasterKey>
  /** Drops keys (after a finished rotation). */
  remove?(ids: string[]): Promise<void>
}

/** A key held in this process's memory. */
export function localMasterKey(raw: Buffer): MasterKey {
  if (raw.length !== KEY_BYTES) throw new Error('a master key must be exactly 32 bytes')
  const key = Buffer.from(raw)
  const id = localKeyId(key)
  const label = aad('latchkey wrap v1', id)
  const ctx = (c: Buffer) => Buffer.concat([label, c])
  return {
    id,
    kcv: keyCheckValue(key),
    async wrap(plain, context) {
      return seal(key, plain, ctx(context))
    },
    async unwrap(blob, context) {
      return open(key, blob, ctx(context))
    },
  }
}

/** Parses base64 keys separated by newlines or commas; `#` starts a comment line. */
export function parseKeyList(text: string, what: string): Buffer[] {
  const out: Buffer[] = []
  for (const line of text.split(/[\n,]/)) {
    const t = line.trim()
    if (!t || t.startsWith('#')) continue
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) throw new Error(`${what}: a key is not valid base64`)
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (b.length !== KEY_BYTES) {
      throw new Error(`${what}: each key must be 32 bytes of base64 (one key decodes to ${b.length} bytes)`)
    }
    out.push(b)
  }
  if (out.length === 0) throw new Error(`${what}: no key found`)
  return out
}

export function envKeySource(value: string): KeySource {
  const keys = parseKeyList(value, 'LATCHKEY_MASTER_KEY').map(localMasterKey)
  return { description: 'LATCHKEY_MASTER_KEY', load: async () => keys }
}

const HEADER =
  '# Latchkey master keyring: one base64 key per line. Back this file up: without it no sealed\n' +
  '# credential can be opened. Which key is active is recorded in the database.\n'

/** A keyring file; writes are atomic (temp file + rename) and keep mode 0600. */
export function fileKeySource(file: string, description = file): KeySource {
  const readRaw = (): Buffer[] => {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (err) {
      throw new Error(`cannot read master key file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`)
    }
    return parseKeyList(text, `master key file ${file}`)
  }
  const write = (keys: Buffer[]) => writeKeyring(file, keys)
  return {
    description,
    async load() {
      return readRaw().map(localMasterKey)
    },
    async generate() {
      return this.add!(randomBytes(KEY_BYTES))
    },
    async add(raw) {
      const keys = readRaw()
      const id = localKeyId(raw)
      if (!keys.some((k) => localKeyId(k) === id)) write([...keys, raw])
      return localMasterKey(raw)
    },
    async remove(ids) {
      const keep = readRaw().filter((k) => !ids.includes(localKeyId(k)))
      if (keep.length === 0) throw new Error('refusing to remove the last key from the keyring')
      write(keep)
    },
  }
}

export function writeKeyring(file: string, keys: Buffer[]): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`)
  const body = HEADER + keys.map((k) => k.toString('base64')).join('\n') + '\n'
  fs.writeFileSync(tmp, body, { mode: 0o600 })
  fs.chmodSync(tmp, 0o600)
  fs.renameSync(tmp, file)
}

/** Creates a keyring file with one fresh key; fails if the file exists (never overwrites). */
export function createKeyFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  const body = HEADER + randomBytes(KEY_BYTES).toString('base64') + '\n'
  fs.writeFileSync(file, body, { mode: 0o600, flag: 'wx' })
}

/** True when group/others may read the file (worth a warning, not a refusal). */
export function isLooselyReadable(file: string): boolean {
  try {
    return (fs.statSync(file).mode & 0o077) !== 0
  } catch {
    return false
  }
}
