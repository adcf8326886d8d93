/**
 * Vault tables. Only `credential_secrets` holds secret material, and only as AES-256-GCM
 * ciphertext whose data key is wrapped by a master key; everything else is plain metadata.
 * Times are epoch ms.
 */
export interface CredentialsTable {
  id: string
  org_id: string
  /** Set for workspace-scoped credentials. */
  workspace_id: string | null
  /** Set for personal credentials: the only user who may use it. */
  owner_user_id: string | null
  scope: string
  name: string
  /** `<scope key>/<name>` while active, null once revoked: enforces unique active names. */
  name_key: string | null
  provider: string
  base_url: string
  /** `http-secret` only: JSON array of the origins the secret may be sent to (sealed with it). */
  origins: string | null
  /**
   * 1 when an org admin created or re-pointed the credential: it may reach loopback/private
   * addresses (as the egress policy allows). 0: public addresses only, unless the org's
   * `privateOrigins` setting lists its origin.
   */
  private_ok: number
  region: string | null
  /** JSON array of allowed upstream model ids (empty = any). */
  models: string
  version: number
  /** Keyed HMAC of the secret material (short hex); never reversible. */
  fingerprint: string
  /** `<org>/<fingerprint>` while active, null once revoked: duplicate detection per org. */
  fingerprint_key: string | null
  last4: string | null
  created_by: string | null
  created_at: number
  updated_at: number
  rotated_at: number | null
  revoked_at: number | null
  /** Set on a personal credential when its owner leaves the org: sealed, usable by nobody. */
  disabled_at?: number | null
}

/** The sealed secret of the current version of a credential (old versions are deleted). */
export interface CredentialSecretsTable {
  credential_id: string
  version: number
  org_id: string
  /** Id of the master key that wrapped `wrapped_key`. */
  key_id: string
  /** base64: the per-version data key, AES-256-GCM-wrapped by the master key. */
  wrapped_key: string
  /** base64: the secret JSON sealed with the data key (format byte, nonce, ciphertext, tag). */
  ciphertext: string
  /** Associated-data layout of `ciphertext`: 1 = base URL only, 2 = base URL and origins. */
  aad_version: number
  created_at: number
}

export interface CredentialGrantsTable {
  credential_id: string
  org_id: string
  /** `user`, `workspace` or `token`. */
  subject_type: string
  subject_id: string
  /** `use` or `manage`. */
  right: string
  created_by: string | null
  created_at: number
}

/** Master keys known to this database: ids and check values only, never key material. */
export interface VaultKeysTable {
  id: string
  /** Key-check value (HMAC of a constant under the key); detects a wrong key at start. */
  kcv: string
  /** `active` (seals new data), `retiring` (being re-wrapped away from), `retired`. */
  state: string
  /** 1 for the active key, null otherwise; unique, so two starters cannot both register a key. */
  active_slot: number | null
  /** base64: the installation's fingerprint (index) key wrapped by this master key. */
  wrapped_index_key: string | null
  created_at: number
  retired_at: number | null
  /** Re-wrap progress while this key is being rotated to. */
  rewrap_total: number | null
  rewrap_done: number | null
}

export interface VaultTables {
  credentials: CredentialsTable
  credential_secrets: CredentialSecretsTable
  credential_grants: CredentialGrantsTable
  vault_keys: VaultKeysTable
}
