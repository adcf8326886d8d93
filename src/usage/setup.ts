/**
 * Wires usage, cost, budgets and the audit log into the runtime: `rt.audit` (chain writer),
 * `rt.calls` (batched writer + journal), `rt.prices`, `rt.budget`, metrics, traces and
 * chain checkpoints. Everything that buffers registers a closer, so SIGTERM flushes it.
 * @module
 */
import path from 'node:path'
import { ChainAuditWriter } from '../audit/audit-log.js'
import { ChainMac } from '../audit/chain-mac.js'
import { sealLegacyChains } from '../audit/chain-upgrade.js'
import { AuditCheckpoints } from '../audit/checkpoint.js'
import { CheckpointSigner } from '../audit/checkpoint-signer.js'
import { EgressService } from '../egress/index.js'
import type { Runtime } from '../server/runtime.js'
import { vaultContentSealer } from '../vault/content-sealer.js'
import { BudgetAlerts } from './budgets/budget-alerts.js'
import { MemoryBudgetCounters, RedisBudgetCounters } from './budgets/budget-counters.js'
import { CounterBudgetGuard } from './budgets/budget-guard.js'
import { createCallMetrics } from './call-metrics.js'
import { traceCall } from './call-tracing.js'
import { CallWriter, type CallWriterOptions } from './call-writer.js'
import { callContentKeyStore } from './content-key-store.js'
import { ContentStore } from './content-store.js'
import { OverridePriceBook } from './price-book.js'
import { type RetentionResult, runRetention } from './retention.js'
import { RedisSharedJournal } from './shared-journal.js'

export interface UsageService {
  writer: CallWriter
  prices: OverridePriceBook
  budgets: CounterBudgetGuard
  checkpoints: AuditCheckpoints
  /** The audit chain's key (derived from the master key's installation index key). */
  chainMac: ChainMac
  /** Sealed call content, only when content storage is on (off by default). */
  content: ContentStore
  /** One retention pass (the leader runs it hourly when a retention age is set). */
  retention: () => Promise<RetentionResult>
}

/** Test hook: writer options for runtimes built by tests and benchmarks. */
export const usageOptions: { writer?: CallWriterOptions } = {}

export async function setupUsage(rt: Runtime): Promise<void> {
  const vault = (rt as Partial<Pick<Runtime, 'vault'>>).vault
  // The chain key needs the master key: without a vault there is no audit chain to write.
  if (!vault) throw new Error('the audit log needs the vault (its chain key derives from the master key)')
  const auditRoot = vault.keyring.auditRootKey()
  const chainMac = ChainMac.fromAuditRoot(auditRoot)
  const checkpoints = new AuditCheckpoints(rt.db, rt.logger, {
    file: rt.config.auditCheckpointFile,
    signer: CheckpointSigner.fromAuditRoot(auditRoot),
    mac: chainMac,
    everyMs: rt.config.auditCheckpointEveryMs,
  })
  auditRoot.fill(0)
  rt.audit = new ChainAuditWriter(chainMac)
  // A chain with a signed checkpoint was keyed before: never re-sealed as legacy.
  const checkpointed = await checkpoints.checkpointedOrgs()
  await sealLegacyChains({
    db: rt.db.db,
    mac: chainMac,
    audit: rt.audit,
    logger: rt.logger,
    // An unreadable (tampered) checkpoint file seals nothing: verification reports it.
    checkpointed: (orgId) => checkpointed === null || checkpointed.has(orgId),
  })
  // One instance writes checkpoints (the leader): several writing the same heads add nothing.
  rt.leader.every('audit-checkpoint', checkpoints.everyMs, () => checkpoints.tick())
  // Closers run in reverse order: registered first, the last checkpoint is logged after the
  // writer's final flush.
  rt.onClose({
    name: 'audit-checkpoint',
    close: async () => {
      if (rt.leader.isLeader) await checkpoints.tick()
    },
  })

  const prices = new OverridePriceBook()
  await prices.reload(rt.db.db)
  rt.bus.subscribe('prices', () => {
    prices.reload(rt.db.db).catch((err) => rt.logger.warn({ err }, 'price overrides reload failed'))
  })
  rt.prices = prices

  let writer: CallWriter | undefined
  const observeCall = createCallMetrics(rt.metrics, () => ({
    depth: writer?.depth ?? 0,
    journalBytes: writer?.journal.bytes ?? 0,
    errors: writer?.errors ?? 0,
  }))
  // With Redis, the journal has a copy every instance reaches: a dead instance's unwritten
  // calls are adopted by a survivor even when its disk is gone (ephemeral containers).
  let warnedAt = 0
  const shared = rt.redis
    ? new RedisSharedJournal(rt.redis, rt.instanceId, {
        deployment: rt.deploymentId,
        // Redis trouble is reported once a minute, not once per call.
        onError: (msg, reason) => {
          if (Date.now() - warnedAt < 60_000) return
          warnedAt = Date.now()
          rt.logger.warn({ reason }, msg)
        },
      })
    : undefined
  writer = new CallWriter(rt.db, rt.logger, path.join(rt.config.home, 'journal'), chainMac, {
    shared,
    ...usageOptions.writer,
    observe: (e) => {
      observeCall(e)
      traceCall(e)
    },
  })
  writer.start()
  rt.calls = writer
  const w = writer
  rt.onClose({ name: 'usage-writer', close: () => w.close() })

  // Webhooks are user-set URLs: the gateway's egress service (org policy) when present,
  // else one with the environment's ceiling.
  let ownEgress: EgressService | undefined
  const alertFetch = (orgId: string, url: string, init: RequestInit) => {
    const gw = (rt as unknown as { gateway?: { egress?: EgressService } }).gateway
    if (gw?.egress) return gw.egress.fetch(orgId, url, init)
    if (!ownEgress) ownEgress = new EgressService(rt.config, null)
    return ownEgress.fetch(orgId, url, init)
  }
  rt.onClose({ name: 'budget-alert-egress', close: async () => ownEgress?.close() })
  const alerts = new BudgetAlerts(rt.db, () => rt.audit, alertFetch, rt.logger)
  const counters = rt.redis ? new RedisBudgetCounters(rt.redis) : new MemoryBudgetCounters(rt.clock)
  const budgets = new CounterBudgetGuard(rt.db.db, counters, rt.logger, (a) => alerts.notify(a), rt.clock)
  await budgets.reload()
  rt.bus.subscribe('budgets', () => {
    budgets.reload().catch((err) => rt.logger.warn({ err }, 'budgets reload failed'))
  })
  rt.budget = budgets

  const content = new ContentStore(
    rt.db,
    vaultContentSealer(vault.keyring),
    (orgId) => rt.settings.get(orgId),
    rt.logger,
  )
  // Purging is the leader's job: one DELETE per hour for the whole cluster.
  rt.leader.every('content-purge', 3_600_000, () => content.purge())
  const retention = () => runRetention(rt, chainMac, checkpoints)
  const { usageRetentionMs, auditRetentionMs } = rt.config
  if (usageRetentionMs !== null || auditRetentionMs !== null)
    rt.leader.every('retention', 3_600_000, retention)
  // A master-key rotation re-wraps stored content too before it retires the old key.
  vault.keyring.registerStore(callContentKeyStore(rt.db.db))

  rt.usage = { writer: w, prices, budgets, checkpoints, chainMac, content, retention }
}
