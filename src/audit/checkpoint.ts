/**
 * Periodic chain-head checkpoints, written by the leader only (usage/setup.ts): the head of
 * every chain that moved is signed and appended to the checkpoint file outside the database
 * (checkpoint-file.ts) and logged. Verification then checks each chain against every signed
 * checkpoint of its org, so even a database writer who restores an old copy of the head row
 * after truncating the tail, or deletes a whole chain, is caught.
 *
 * A head is checkpointed only if its MAC verifies: signing a head a database writer rewound
 * would launder the rewrite.
 * @module
 */
import type { Logger } from 'pino'
import type { DbHandle } from '../db/database.js'
import { type Anchor, verifyChain } from './audit-query.js'
import { ChainMac } from './chain-mac.js'
import {
  appendCheckpoints,
  type CheckpointRead,
  checkpointedOrgs,
  readCheckpoints,
  readCheckpointText,
  type SignedCheckpoint,
  signCheckpoint,
} from './checkpoint-file.js'
import type { CheckpointSigner } from './checkpoint-signer.js'
import type { VerifyResult } from './verify-records.js'

/** What was checked besides the chain: the org's signed checkpoints (or that they were skipped). */
export type CheckpointSummary =
  | { checked: number; latest: { seq: number; hash: string; ts: number } | null; publicKey: string }
  | 'skipped'

export interface CheckpointOptions {
  /** The checkpoint file (LATCHKEY_AUDIT_CHECKPOINT_FILE). */
  file: string
  signer: CheckpointSigner
  mac: ChainMac
  /** How often the leader writes checkpoints (LATCHKEY_AUDIT_CHECKPOINT_INTERVAL). */
  everyMs?: number
}

export class AuditCheckpoints {
  #last = new Map<string, number>()
  readonly file: string
  readonly signer: CheckpointSigner
  readonly everyMs: number
  #mac: ChainMac

  constructor(
    private readonly db: DbHandle,
    private readonly logger: Logger,
    o: CheckpointOptions,
  ) {
    this.file = o.file
    this.signer = o.signer
    this.#mac = o.mac
    this.everyMs = o.everyMs ?? 5 * 60_000
  }

  /** Signs and appends the head of each chain that moved since the last checkpoint; returns how many. */
  async tick(): Promise<number> {
    const heads = await this.db.db
      .selectFrom('audit_heads')
      .select(['org_id', 'seq', 'hash', 'keyed_from', 'mac'])
      .execute()
    const lines: SignedCheckpoint[] = []
    for (const h of heads) {
      const seq = Number(h.seq)
      if (seq === 0 || this.#last.get(h.org_id) === seq) continue
      const keyedFrom = h.keyed_from === null ? null : Number(h.keyed_from)
      if (keyedFrom === null || !ChainMac.equal(h.mac, this.#mac.head(h.org_id, seq, h.hash, keyedFrom))) {
        this.logger.error(
          { orgId: h.org_id, seq },
          'audit chain head does not carry its MAC: not checkpointed (run latchkey audit verify)',
        )
        continue
      }
      lines.push(signCheckpoint(this.signer, { orgId: h.org_id, seq, hash: h.hash }))
    }
    await appendCheckpoints(this.file, lines)
    for (const l of lines) {
      this.#last.set(l.orgId, l.seq)
      this.logger.info(
        { auditCheckpoint: { orgId: l.orgId, seq: l.seq, hash: l.hash } },
        'audit chain checkpoint',
      )
    }
    return lines.length
  }

  /** Orgs with a checkpoint line (null: unreadable file); for the start-up's legacy seal. */
  async checkpointedOrgs(): Promise<Set<string> | null> {
    return checkpointedOrgs(await readCheckpointText(this.file))
  }

  /** The signed checkpoints of an org in the file (all of them are checked on verify). */
  async read(orgId?: string): Promise<CheckpointRead> {
    return readCheckpoints(await readCheckpointText(this.file), this.signer, orgId)
  }

  /**
   * Verifies an org's chain with its key and against every signed checkpoint of the org
   * (unless `skip`), plus an optional anchor from elsewhere (a logged checkpoint).
   */
  async verify(
    orgId: string,
    opts: { anchor?: Anchor; skip?: boolean } = {},
  ): Promise<VerifyResult & { checkpoints: CheckpointSummary }> {
    const anchors = opts.anchor ? [opts.anchor] : []
    if (opts.skip) {
      return {
        ...(await verifyChain(this.db.db, orgId, { mac: this.#mac, anchors })),
        checkpoints: 'skipped',
      }
    }
    const read = await this.read(orgId)
    if (!read.ok) {
      return {
        ok: false,
        brokenAt: 0,
        id: null,
        reason: read.reason,
        count: 0,
        checkpoints: { checked: 0, latest: null, publicKey: this.signer.publicKey },
      }
    }
    const result = await verifyChain(this.db.db, orgId, {
      mac: this.#mac,
      anchors: [...anchors, ...read.checkpoints],
    })
    const l = read.latest
    return {
      ...result,
      checkpoints: {
        checked: read.checkpoints.length,
        latest: l && { seq: l.seq, hash: l.hash, ts: l.ts },
        publicKey: this.signer.publicKey,
      },
    }
  }
}
