/**
 * Checks a credential's base URL when it is saved: the URL's shape (http(s), no credentials,
 * query or fragment) is judged here; the address rules (always-refused link-local/metadata,
 * the `open`/`public-only`/`private-only` modes and the allow-list) belong to src/egress,
 * the same module that judges resolved addresses at connect time, so the two cannot drift.
 * Pure functions, no I/O.
 * @module
 */
import net from 'node:net'
import {
  type AddressClass,
  classifyAddress as classifyResolved,
  type EgressMode,
  isMetadataHost,
  makePolicy,
  refusal,
  restrictPrivate,
  stripBrackets,
} from '../egress/policy.js'

/** The egress setting as configured (mode and the raw `LATCHKEY_EGRESS_ALLOW` entries). */
export interface EgressSettings {
  mode: EgressMode
  /** Hosts (`api.example.com`, `*.corp.example`), IPs or CIDRs allowed regardless of mode. */
  allow: readonly string[]
  /**
   * Set when judging a credential no org admin vouched for: loopback/private addresses are
   * allowed only for these origins (the org's `privateOrigins`).
   */
  privateOrigins?: readonly string[]
}

export type Verdict = { ok: true } | { ok: false; reason: string; code?: string }

/** Classifies an IP address literal by the egress rules; undefined for anything not an IP. */
export function classifyAddress(ip: string): AddressClass | undefined {
  const bare = stripBrackets(ip)
  return net.isIP(bare) ? classifyResolved(bare) : undefined
}

/** Whether a connection to this address (named `host` in the URL, at `origin`) is allowed. */
export function checkAddress(ip: string, settings: EgressSettings, host = ip, origin = ''): Verdict {
  const policy = makePolicy(settings.mode, settings.allow)
  const why = refusal(policy, host, ip, origin)
  if (why) return { ok: false, reason: why }
  if (!settings.privateOrigins) return { ok: true }
  const restricted = refusal(restrictPrivate(policy, settings.privateOrigins), host, ip, origin)
  return restricted ? { ok: false, reason: restricted, code: 'private_origin_not_allowed' } : { ok: true }
}

/**
 * Validates a user-supplied base URL: http(s) only, no credentials, query or fragment, and an
 * address the policy allows when the host is an IP literal or a well-known local name.
 * Other host names are judged again on their resolved addresses at connect time.
 * Returns the normalised URL (no trailing slash).
 */
export function checkBaseUrl(
  raw: string,
  settings: EgressSettings,
): { ok: true; url: string } | { ok: false; reason: string; code?: string } {
  let u: URL
  try {
    u = new URL(raw.trim())
  } catch {
    return { ok: false, reason: 'is not a valid absolute URL' }
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return { ok: false, reason: `scheme ${u.protocol.replace(':', '')} is not allowed (use http or https)` }
  }
  if (u.username || u.password) return { ok: false, reason: 'must not contain credentials (user:pass@)' }
  if (u.search || u.hash) return { ok: false, reason: 'must not contain a query string or fragment' }
  const host = u.hostname.toLowerCase().replace(/\.$/, '')
  if (!host) return { ok: false, reason: 'has no host' }
  if (isMetadataHost(host)) return { ok: false, reason: `${host} is a cloud-metadata host, always refused` }
  const literal = stripBrackets(host)
  let verdict: Verdict = { ok: true }
  if (net.isIP(literal)) verdict = checkAddress(literal, settings, literal, u.origin)
  else if (host === 'localhost' || host.endsWith('.localhost'))
    verdict = checkAddress('127.0.0.1', settings, host, u.origin)
  if (!verdict.ok) return verdict
  const path = u.pathname.replace(/\/+$/, '')
  return { ok: true, url: `${u.protocol}//${u.host}${path}` }
}

/**
 * The origin (scheme, host, port) of a stored base URL: a credential's identity. Empty for a
 * credential without one (http-secret). Default ports are dropped, as the URL standard does.
 */
export function originOf(baseUrl: string): string {
  return baseUrl ? new URL(baseUrl).origin : ''
}
