/** A lease: whoever holds an unexpired row runs that group of background jobs. */
export interface LeasesTable {
  name: string
  holder: string
  expires_at: number
  acquired_at: number
}

/**
 * Where an org's audit chain starts after retention pruning: records up to `seq` are gone;
 * the first remaining record links to `hash` (the last pruned record's hash).
 */
export interface AuditPrunePointsTable {
  org_id: string
  seq: number
  hash: string
  /** Records pruned so far, in total. */
  pruned: number
  updated_at: number
  /** ChainMac.prunePoint of (org_id, seq, hash): a point moved without the audit key fails verify. */
  mac: string | null
}

/** Facts about the installation: `deployment_id` (random, set on first start). */
export interface OpsMetaTable {
  key: string
  value: string
}

export interface OpsTables {
  ops_meta: OpsMetaTable
  leases: LeasesTable
  audit_prune_points: AuditPrunePointsTable
}
