/**
 * SSRF-guarded undici dispatcher. Every new connection resolves the host itself, checks every
 * resolved address against the egress policy and then connects to the checked address (so a
 * DNS answer cannot change between check and connect). TLS still verifies the original host
 * name (SNI). Keep-alive pools are per origin inside the Agent; redirects are never followed
 * (undici's `request` does not follow them, and guardedFetch forces `redirect: 'manual'`).
 * @module
 */
import dns from 'node:dns'
import net from 'node:net'
import { Agent, buildConnector } from 'undici'
import { type EgressPolicy, originFor, refusal, stripBrackets } from './policy.js'

/** Resolves a host name to addresses (injectable so tests can map names without real DNS). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>

export const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true })

/** Thrown (as the connection error) when the policy refuses an address. Never retryable. */
export class EgressBlockedError extends Error {
  override name = 'EgressBlockedError'
  readonly code = 'EGRESS_BLOCKED'
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`egress refused for ${host}: ${reason}`)
  }
}

export interface GuardedAgentOptions {
  policy: EgressPolicy
  resolve?: Resolver
  connectTimeoutMs?: number
  keepAliveTimeoutMs?: number
}

/** Resolves `host` and returns the first address, or throws EgressBlockedError. */
export async function resolveChecked(
  policy: EgressPolicy,
  host: string,
  resolve: Resolver,
  origin = '',
): Promise<string> {
  const bare = stripBrackets(host)
  const addresses = net.isIP(bare) ? [{ address: bare, family: net.isIP(bare) }] : await resolve(bare)
  if (addresses.length === 0) throw new EgressBlockedError(host, 'no address')
  // Judge every answer: a name with one public and one private record is refused outright
  // rather than depending on which record the connection happens to use.
  for (const a of addresses) {
    const why = refusal(policy, bare, a.address, origin)
    if (why) throw new EgressBlockedError(host, why)
  }
  return addresses[0]!.address
}

/** An undici Agent whose connections obey `policy`. */
export function createGuardedAgent(opts: GuardedAgentOptions): Agent {
  const resolve = opts.resolve ?? systemResolver
  const base = buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000, keepAlive: true })
  const connect: buildConnector.connector = (options, callback) => {
    const host = stripBrackets(options.hostname)
    const origin = opts.policy.privateOrigins ? originFor(options.protocol, host, options.port) : ''
    resolveChecked(opts.policy, host, resolve, origin).then(
      (address) => {
        const servername = options.servername ?? (net.isIP(host) ? undefined : host)
        base({ ...options, hostname: address, ...(servername ? { servername } : {}) }, callback)
      },
      (err: Error) => callback(err, null),
    )
  }
  return new Agent({
    connect,
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
    keepAliveMaxTimeout: 600_000,
    // Long generations: no undici-level timeouts, the gateway runs its own per attempt.
    headersTimeout: 0,
    bodyTimeout: 0,
  })
}
