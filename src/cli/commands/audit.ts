/**
 * `latchkey audit verify|export` — clients of a running server (LATCHKEY_URL,
 * LATCHKEY_TOKEN with role auditor or higher). `verify --file` checks an exported JSONL
 * offline, with no server and no database.
 * @module
 */
import fs from 'node:fs'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import type { HashedAuditRecord } from '../../audit/audit-record.js'
import type { CheckpointSummary } from '../../audit/checkpoint.js'
import { readCheckpoints } from '../../audit/checkpoint-file.js'
import { CheckpointVerifier } from '../../audit/checkpoint-signer.js'
import { ChainVerifier, type VerifyResult } from '../../audit/verify-records.js'
import { clientFrom } from '../api-client.js'
import { CliError } from '../index.js'
import { wantsJson } from '../output.js'
import { progressLine } from '../progress.js'

function request(path: string): Promise<Response> {
  return clientFrom(process.env, 'with role auditor or higher').send('GET', path)
}

/**
 * Verifies a JSONL export line by line (records must be in sequence order) and, with a checkpoint
 * file and its pinned public key, against every signed checkpoint of the export's org.
 */
export async function verifyExport(
  input: NodeJS.ReadableStream,
  checkpoints?: { text: string; verifier: CheckpointVerifier },
): Promise<VerifyResult> {
  let v: ChainVerifier | undefined
  const hashes = new Map<number, string>()
  let orgId: string | undefined
  let prunedThrough = 0
  let line = 0
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    line += 1
    if (!text.trim()) continue
    let r: HashedAuditRecord
    try {
      r = JSON.parse(text) as HashedAuditRecord
    } catch {
      return { ok: false, brokenAt: line, id: null, reason: `line ${line} is not JSON`, count: 0 }
    }
    orgId ??= r.orgId
    if (!v) {
      // A chain pruned by retention starts after its prune point, which the leader also
      // appended to the signed checkpoint file: only a signed start is accepted.
      const start =
        Number.isSafeInteger(r.seq) && r.seq > 1 ? { seq: r.seq - 1, hash: r.prevHash } : undefined
      if (start) {
        const read = checkpoints && readCheckpoints(checkpoints.text, checkpoints.verifier, r.orgId)
        const signed = read?.ok && read.checkpoints.some((c) => c.seq === start.seq && c.hash === start.hash)
        if (!signed) {
          const reason = checkpoints
            ? `export starts at record ${r.seq} and no signed checkpoint marks records up to ${start.seq} as pruned`
            : `export starts at record ${r.seq} (pruned by retention?): pass the checkpoint file to verify from its signed start`
          return { ok: false, brokenAt: 1, id: null, reason, count: 0 }
        }
        prunedThrough = start.seq
      }
      v = new ChainVerifier(undefined, start)
    }
    if (!v.push(r)) break
    if (checkpoints) hashes.set(r.seq, r.hash)
  }
  const res = (v ?? new ChainVerifier()).result()
  if (!res.ok || !checkpoints || orgId === undefined) return res
  const read = readCheckpoints(checkpoints.text, checkpoints.verifier, orgId)
  if (!read.ok) return { ok: false, brokenAt: 0, id: null, reason: read.reason, count: res.count }
  for (const c of read.checkpoints) {
    if (c.seq <= prunedThrough) continue
    const h = hashes.get(c.seq)
    if (h === c.hash) continue
    const reason =
      h === undefined ? 'checkpointed record is missing (truncated)' : 'record differs from the checkpoint'
    return { ok: false, brokenAt: c.seq, id: null, reason, count: res.count }
  }
  return prunedThrough ? { ...res, prunedThrough } : res
}

/** What a verification found, in words. */
export function verifyText(result: VerifyResult): string {
  if (!result.ok) return `audit chain BROKEN at record ${result.brokenAt}: ${result.reason}\n`
  let text = `audit chain intact: ${result.count} records\n`
  const cp = (result as { checkpoints?: CheckpointSummary }).checkpoints
  if (cp === 'skipped') text += 'signed checkpoints NOT checked (--skip-checkpoint)\n'
  else if (cp) {
    text += `checked against ${cp.checked} signed checkpoints${cp.latest ? ` (latest at record ${cp.latest.seq})` : ''}; checkpoint key ${cp.publicKey}\n`
  }
  return text
}

/** JSON on stdout for `--json` or a pipe (as before) with the words on stderr; else words. */
function report(result: VerifyResult, o: { json?: boolean }): void {
  if (wantsJson(o, process.stdout, true)) {
    process.stdout.write(`${JSON.stringify(result)}\n`)
    process.stderr.write(verifyText(result))
  } else process.stdout.write(verifyText(result))
  if (!result.ok) process.exitCode = 1
}

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('verify or export the audit log of a running server (LATCHKEY_URL, LATCHKEY_TOKEN)')

  audit
    .command('verify')
    .description('verify the org hash chain on the server, or an exported file offline with --file')
    .option('--file <path>', 'verify a JSONL export offline (no server needed)')
    .option('--checkpoint-file <path>', 'with --file: also check the signed checkpoints in this file')
    .option('--public-key <base64>', 'with --checkpoint-file: the pinned checkpoint public key')
    .option('--skip-checkpoint', 'verify the chain alone, not against the signed checkpoint file')
    .option('--anchor-seq <n>', 'a logged checkpoint: sequence number')
    .option('--anchor-hash <hex>', 'a logged checkpoint: hash at that sequence number')
    .option('--json', 'print the result as JSON (the default when stdout is not a terminal)')
    .action(
      async (opts: {
        file?: string
        checkpointFile?: string
        publicKey?: string
        skipCheckpoint?: boolean
        anchorSeq?: string
        anchorHash?: string
        json?: boolean
      }) => {
        if ((opts.checkpointFile === undefined) !== (opts.publicKey === undefined)) {
          throw new CliError('--checkpoint-file and --public-key go together', 2)
        }
        if (opts.checkpointFile && !opts.file) throw new CliError('--checkpoint-file needs --file', 2)
        if (opts.file) {
          if (!fs.existsSync(opts.file)) throw new CliError(`no such file: ${opts.file}`)
          let checkpoints: { text: string; verifier: CheckpointVerifier } | undefined
          if (opts.checkpointFile) {
            if (!fs.existsSync(opts.checkpointFile))
              throw new CliError(`no such file: ${opts.checkpointFile}`)
            let verifier: CheckpointVerifier
            try {
              verifier = CheckpointVerifier.fromPublicKey(opts.publicKey!)
            } catch (err) {
              throw new CliError(`--public-key: ${(err as Error).message}`, 2)
            }
            checkpoints = { text: fs.readFileSync(opts.checkpointFile, 'utf8'), verifier }
          }
          report(await verifyExport(fs.createReadStream(opts.file), checkpoints), opts)
          return
        }
        if ((opts.anchorSeq === undefined) !== (opts.anchorHash === undefined)) {
          throw new CliError('--anchor-seq and --anchor-hash go together', 2)
        }
        const q = new URLSearchParams()
        if (opts.anchorSeq) {
          q.set('anchorSeq', opts.anchorSeq)
          q.set('anchorHash', opts.anchorHash!)
        }
        if (opts.skipCheckpoint) q.set('skipCheckpoint', 'true')
        const qs = q.size > 0 ? `?${q}` : ''
        const res = await request(`/api/v1/audit/verify${qs}`)
        report((await res.json()) as VerifyResult, opts)
      },
    )

  audit
    .command('export')
    .description('write every audit record as JSON Lines (oldest first, with hashes) to stdout or --out')
    .option('--out <path>', 'write to this file instead of stdout')
    .action(async (opts: { out?: string }) => {
      const res = await request('/api/v1/audit/export')
      if (!res.body) throw new CliError('the server sent no body')
      const out = opts.out ? fs.createWriteStream(opts.out, { mode: 0o600 }) : process.stdout
      let bytes = 0
      let records = 0
      // Progress only when the records go to a file: on stdout it would mix with them.
      const progress = progressLine(opts.out ? process.stderr : { write: () => true })
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length
        for (const b of chunk) if (b === 10) records += 1
        progress.update(`exporting: ${records} records`)
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
      }
      progress.done()
      if (opts.out) {
        const file = out as fs.WriteStream
        await new Promise<void>((resolve, reject) => {
          file.once('error', reject)
          file.end(() => resolve())
        })
      }
      process.stderr.write(
        `exported ${records} audit records (${bytes} bytes)${opts.out ? ` to ${opts.out}` : ''}\n`,
      )
      if (opts.out) {
        const result = await verifyExport(fs.createReadStream(opts.out))
        process.stderr.write(
          result.ok
            ? `verified offline: chain intact, head ${result.head.hash}\n`
            : `WARNING: export does not verify: ${result.reason}\n`,
        )
        if (!result.ok) process.exitCode = 1
      }
    })
}
