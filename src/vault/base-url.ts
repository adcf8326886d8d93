/**
 * Outbound URL policy (pure functions, no I/O) shared by the vault (checking a credential's
 * base URL when it is saved) and the gateway's egress guard (checking resolved addresses at
 * connect time). DESIGN.md: link-local and cloud-metadata addresses are always refused;
 * `open` allows everything else, `public-only` refuses loopback/private, `private-only`
 * allows only loopback/private; `LATCHKEY_EGRESS_ALLOW` (hosts, `*.suffix`, IPs, CIDRs) adds
 * exceptions to the mode but never to the always-refused set.
 * @module
 */
import ipaddr from 'ipaddr.js'

export type EgressMode = 'open' | 'public-only' | 'private-only'

export interface EgressPolicy {
  mode: EgressMode
  /** Hosts (`api.example.com`, `*.corp.example`), IPs or CIDRs allowed regardless of mode. */
  allow: string[]
}

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'metadata' | 'reserved'

export type Verdict = { ok: true } | { ok: false; reason: string }

/** Cloud metadata endpoints that are not link-local (AWS IPv6 IMDS, Alibaba Cloud). */
const METADATA_IPS = new Set(['fd00:ec2::254', '100.100.100.200'])
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
])

function parseIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip
  if (!ipaddr.isValid(bare)) return undefined
  const a = ipaddr.parse(bare)
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()
    ? (a as ipaddr.IPv6).toIPv4Address()
    : a
}

/** Classifies an IP address literal (v4, v6, v4-mapped v6); undefined for non-IPs. */
export function classifyAddress(ip: string): AddressClass | undefined {
  const a = parseIp(ip)
  if (!a) return undefined
  if (METADATA_IPS.has(a.toNormalizedString()) || METADATA_IPS.has(a.toString())) return 'metadata'
  switch (a.range()) {
    case 'unicast':
      return 'public'
    case 'loopback':
      return 'loopback'
    case 'private':
    case 'uniqueLocal':
    case 'carrierGradeNat':
      return 'private'
    case 'linkLocal':
      return 'link-local'
    default:
      // unspecified, multicast, broadcast, documentation, 6to4/teredo (may embed anything)…
      return 'reserved'
  }
}

function hostAllowListed(host: string, allow: string[]): boolean {
  const ip = parseIp(host)
  for (const entry of allow) {
    const e = entry.trim().toLowerCase()
    if (!e) continue
    if (ip) {
      if (e.includes('/')) {
        try {
          const [net, bits] = ipaddr.parseCIDR(e)
          if (net.kind() === ip.kind() && ip.match([net, bits] as never)) return true
        } catch {
          // Not a CIDR: ignore the entry.
        }
      } else if (parseIp(e)?.toNormalizedString() === ip.toNormalizedString()) return true
    } else if (e.startsWith('*.') ? host.endsWith(e.slice(1)) : host === e) return true
  }
  return false
}

/** Whether a connection to this resolved address (or IP literal) is allowed. */
export function checkAddress(ip: string, policy: EgressPolicy, host = ip): Verdict {
  const cls = classifyAddress(ip)
  if (!cls) return { ok: false, reason: `${ip} is not an IP address` }
  if (cls === 'link-local' || cls === 'metadata') {
    return { ok: false, reason: `${host} is a link-local or cloud-metadata address, which is always refused` }
  }
  if (cls === 'reserved') return { ok: false, reason: `${host} is a reserved or non-routable address` }
  if (hostAllowListed(host, policy.allow) || (host !== ip && hostAllowListed(ip, policy.allow))) {
    return { ok: true }
  }
  const internal = cls === 'private' || cls === 'loopback'
  if (policy.mode === 'public-only' && internal) {
    return { ok: false, reason: `${host} is a ${cls} address and LATCHKEY_EGRESS=public-only` }
  }
  if (policy.mode === 'private-only' && !internal) {
    return { ok: false, reason: `${host} is a public address and LATCHKEY_EGRESS=private-only` }
  }
  return { ok: true }
}

/**
 * Validates a user-supplied base URL: http(s) only, no credentials, query or fragment, and an
 * address the policy allows when the host is an IP literal or a well-known local name.
 * Other host names are judged again on their resolved addresses at connect time.
 * Returns the normalised URL (no trailing slash).
 */
export function checkBaseUrl(
  raw: string,
  policy: EgressPolicy,
): { ok: true; url: string } | { ok: false; reason: string } {
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
  if (METADATA_HOSTS.has(host))
    return { ok: false, reason: `${host} is a cloud-metadata host, always refused` }
  const literal = host.startsWith('[') ? host.slice(1, -1) : host
  let verdict: Verdict = { ok: true }
  if (classifyAddress(literal)) verdict = checkAddress(literal, policy, literal)
  else if (host === 'localhost' || host.endsWith('.localhost'))
    verdict = checkAddress('127.0.0.1', policy, host)
  if (!verdict.ok) return verdict
  const path = u.pathname.replace(/\/+$/, '')
  return { ok: true, url: `${u.protocol}//${u.host}${path}` }
}
