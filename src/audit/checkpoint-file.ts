/**
 * Signed audit checkpoints in a file outside the database (JSON Lines, one per chain head
 * that moved): `{v, orgId, seq, hash, ts, key, sig}`, where `sig` is the Ed25519 signature
 * (checkpoint-signer.ts) of the RFC 8785 canonical JSON of the other fields. A database
 * writer cannot reach the file; someone who can write the file but lacks the master key
 * cannot add a line that verifies. Verification checks the chain against every checkpoint
 * of the org (a rewritten record before one, a truncated tail below one, a deleted chain).
 * @module
 */
import fs from 'node:fs'
import path from 'node:path'
import { canonicalJson } from './canonical-json.js'
import type { CheckpointSigner, CheckpointVerifier } from './checkpoint-signer.js'

export interface Checkpoint {
  v: 1
  orgId: string
  seq: number
  hash: string
  ts: number
  /** Id of the signing key (CheckpointVerifier.keyId). */
  key: string
}

export type SignedCheckpoint = Checkpoint & { sig: string }

/** What an org's checkpoints say, or why they cannot be trusted. */
export type CheckpointRead =
  | { ok: true; checkpoints: Checkpoint[]; latest: Checkpoint | null }
  | { ok: false; line: number; reason: string }

const payload = (c: Checkpoint) =>
  canonicalJson({ v: c.v, orgId: c.orgId, seq: c.seq, hash: c.hash, ts: c.ts, key: c.key })

export function signCheckpoint(
  signer: CheckpointSigner,
  head: { orgId: string; seq: number; hash: string },
  ts = Date.now(),
): SignedCheckpoint {
  const c: Checkpoint = { v: 1, orgId: head.orgId, seq: head.seq, hash: head.hash, ts, key: signer.keyId }
  return { ...c, sig: signer.sign(payload(c)) }
}

/** Appends checkpoint lines in one write (O_APPEND: lines of concurrent writers do not interleave). */
export async function appendCheckpoints(file: string, lines: SignedCheckpoint[]): Promise<void> {
  if (lines.length === 0) return
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  await fs.promises.appendFile(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 })
}

/**
 * Reads the checkpoints of one org (or of every org without `orgId`) and checks each one's
 * signature. A line of the org that does not verify — other key, bad signature, malformed —
 * makes the whole read fail: the file was tampered with. A missing file has no checkpoints.
 */
export function readCheckpoints(text: string, verifier: CheckpointVerifier, orgId?: string): CheckpointRead {
  const checkpoints: Checkpoint[] = []
  let latest: Checkpoint | null = null
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    const n = i + 1
    if (!raw.trim()) continue
    let c: SignedCheckpoint
    try {
      c = JSON.parse(raw) as SignedCheckpoint
    } catch {
      // A line cut short by a crash mid-write can only be the last one.
      if (lines.slice(i + 1).every((l) => !l.trim())) break
      return { ok: false, line: n, reason: `checkpoint file line ${n} is not JSON` }
    }
    if (orgId !== undefined && c?.orgId !== orgId) continue
    const wellFormed =
      c?.v === 1 &&
      typeof c.orgId === 'string' &&
      Number.isSafeInteger(c.seq) &&
      c.seq >= 1 &&
      typeof c.hash === 'string' &&
      /^[0-9a-f]{64}$/.test(c.hash) &&
      Number.isSafeInteger(c.ts) &&
      typeof c.sig === 'string'
    if (!wellFormed) return { ok: false, line: n, reason: `checkpoint file line ${n} is malformed` }
    if (c.key !== verifier.keyId) {
      return {
        ok: false,
        line: n,
        reason: `checkpoint file line ${n} is signed by another key (${String(c.key)})`,
      }
    }
    if (!verifier.verify(payload(c), c.sig)) {
      return { ok: false, line: n, reason: `checkpoint file line ${n} has a bad signature (tampered)` }
    }
    const cp: Checkpoint = { v: 1, orgId: c.orgId, seq: c.seq, hash: c.hash, ts: c.ts, key: c.key }
    checkpoints.push(cp)
    if (!latest || cp.seq >= latest.seq) latest = cp
  }
  return { ok: true, checkpoints, latest }
}

/**
 * The orgs that have at least one checkpoint line, without checking signatures (start-up reads
 * the whole file; a forged line here can only keep a chain from being re-sealed, which
 * verification then reports). Null when a line is not JSON: then no chain is re-sealed.
 */
export function checkpointedOrgs(text: string): Set<string> | null {
  const orgs = new Set<string>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    if (!raw.trim()) continue
    try {
      const c = JSON.parse(raw) as { orgId?: unknown }
      if (typeof c?.orgId === 'string') orgs.add(c.orgId)
    } catch {
      if (lines.slice(i + 1).every((l) => !l.trim())) break
      return null
    }
  }
  return orgs
}

/** The file's text, or '' when it does not exist (yet). */
export async function readCheckpointText(file: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw err
  }
}
