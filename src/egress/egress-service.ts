/**
 * Outbound HTTP for the whole product: the gateway's upstream calls, the vault's credential
 * test and workflow tool calls all go through here, so one egress policy governs every
 * connection. One guarded undici Agent per effective policy (pools per origin inside it).
 * @module
 */
import { type Dispatcher, fetch as undiciFetch } from 'undici'
import type { Config } from '../config/config.js'
import { createGuardedAgent, EgressBlockedError, type Resolver } from './dispatcher.js'
import { type EgressMode, type EgressPolicy, effectivePolicy, policyKey, restrictPrivate } from './policy.js'

/** Where the org's effective egress mode comes from (`rt.settings`, already capped by env). */
export interface OrgEgressSource {
  get(orgId: string): { egress: EgressMode; privateOrigins?: readonly string[] }
}

export interface EgressServiceOptions {
  /** Custom name resolution (tests map names to addresses). */
  resolve?: Resolver
  connectTimeoutMs?: number
}

export class EgressService {
  #agents = new Map<string, Dispatcher>()
  /** Hot-path memo: one policy per effective mode (the allow-list is the env's). */
  #policies = new Map<EgressMode, EgressPolicy>()
  #byPolicy = new WeakMap<EgressPolicy, Dispatcher>()
  #envPolicy: EgressPolicy | undefined
  /** Restricted policies per (policy, privateOrigins): hot path for members' credentials. */
  #restricted = new Map<string, EgressPolicy>()

  constructor(
    private readonly config: Pick<Config, 'egress' | 'egressAllow'>,
    private readonly settings: OrgEgressSource | null,
    private opts: EgressServiceOptions = {},
  ) {}

  /** Replaces name resolution (tests map names to addresses); drops existing pools. */
  useResolver(resolve: Resolver | undefined): void {
    this.opts = { ...this.opts, resolve }
    this.#byPolicy = new WeakMap()
    void this.close()
  }

  /**
   * The org's effective policy (env ceiling tightened by the org's `egress` setting), from
   * memory: synchronous. `restricted` (a credential no org admin vouched for) also refuses
   * loopback/private addresses outside the org's `privateOrigins`.
   */
  policyFor(orgId: string | null, restricted = false): EgressPolicy {
    let p: EgressPolicy | undefined
    const org = orgId && this.settings ? this.settings.get(orgId) : undefined
    if (!org) {
      this.#envPolicy ??= effectivePolicy(this.config, undefined)
      p = this.#envPolicy
    } else {
      p = this.#policies.get(org.egress)
      if (!p) {
        p = effectivePolicy(this.config, { mode: org.egress })
        this.#policies.set(org.egress, p)
      }
    }
    if (!restricted) return p
    const origins = org?.privateOrigins ?? []
    const key = `${policyKey(p)}#${origins.join(',')}`
    let r = this.#restricted.get(key)
    if (!r) {
      if (this.#restricted.size >= 1_000) this.#restricted.clear()
      r = restrictPrivate(p, origins)
      this.#restricted.set(key, r)
    }
    return r
  }

  /** The guarded dispatcher for a policy (created once per distinct policy). */
  dispatcher(policy: EgressPolicy): Dispatcher {
    const memo = this.#byPolicy.get(policy)
    if (memo) return memo
    const key = policyKey(policy)
    let agent = this.#agents.get(key)
    if (!agent) {
      agent = createGuardedAgent({
        policy,
        resolve: this.opts.resolve,
        connectTimeoutMs: this.opts.connectTimeoutMs,
      })
      this.#agents.set(key, agent)
    }
    this.#byPolicy.set(policy, agent)
    return agent
  }

  /**
   * fetch() for user-supplied URLs under the org's policy: http(s) only, no credentials in
   * the URL, every connection SSRF-checked, redirects returned (status 3xx), never followed.
   * `restricted`: the call carries a credential no org admin vouched for (see policyFor).
   */
  async fetch(
    orgId: string | null,
    url: string | URL,
    init: RequestInit = {},
    opts: { restricted?: boolean } = {},
  ): Promise<Response> {
    const u = checkUrl(url)
    const policy = this.policyFor(orgId, opts.restricted)
    const res = await undiciFetch(u, {
      ...(init as Record<string, unknown>),
      redirect: 'manual',
      dispatcher: this.dispatcher(policy),
    })
    return res as unknown as Response
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()]
    this.#agents.clear()
    this.#byPolicy = new WeakMap()
    await Promise.all(agents.map((a) => a.close().catch(() => {})))
  }
}

/** Parses and checks an outbound URL: http(s) only, no user:pass@. */
export function checkUrl(url: string | URL): URL {
  let u: URL
  try {
    u = new URL(String(url))
  } catch {
    throw new EgressBlockedError(String(url), 'not a valid URL')
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new EgressBlockedError(u.host, `scheme ${u.protocol} is not allowed`)
  }
  if (u.username || u.password) throw new EgressBlockedError(u.host, 'credentials in the URL are not allowed')
  return u
}
