/**
 * Egress policy: which addresses an outbound connection may reach. Three modes (DESIGN.md):
 * `open` (anything but link-local/metadata), `public-only` (no loopback/private), `private-only`
 * (only loopback/private), plus an allow-list of hosts/CIDRs. Link-local and cloud metadata
 * addresses are refused in every mode, allow-list included.
 * @module
 */
import ipaddr from 'ipaddr.js'

export type EgressMode = 'open' | 'public-only' | 'private-only'
export const EGRESS_MODES: readonly EgressMode[] = ['open', 'public-only', 'private-only']

export interface AllowList {
  /** Exact host names (lower-case). */
  hosts: Set<string>
  /** `*.example.com` entries, stored as `.example.com`. */
  suffixes: string[]
  cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][]
  /** The entries as given, for keys and display. */
  entries: string[]
}

export interface EgressPolicy {
  mode: EgressMode
  allow: AllowList
  /**
   * Set for connections made with a credential no org admin vouched for (a member's, or one
   * a member re-pointed): loopback and private addresses are refused unless the connection's
   * origin is listed here (the org's `privateOrigins` setting) or the operator's allow-list
   * admits the host. Absent: the mode alone decides.
   */
  privateOrigins?: ReadonlySet<string>
}

export type AddressClass = 'blocked' | 'loopback' | 'private' | 'public'

/**
 * Metadata endpoints outside the link-local range: AWS IPv6 IMDS, Alibaba Cloud, Azure
 * WireServer. 169.254.169.254 (AWS/GCP/Azure IMDS) is covered by the link-local rule.
 */
const METADATA = ['fd00:ec2::254/128', '100.100.100.200/32', '168.63.129.16/32'].map((c) =>
  ipaddr.parseCIDR(c),
)

/** Well-known names of cloud metadata services (refused by name where a URL is checked). */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
])

/** Whether a host name (lower-case, no trailing dot) names a cloud metadata service. */
export function isMetadataHost(host: string): boolean {
  return METADATA_HOSTS.has(host)
}

export function parseAllowList(entries: readonly string[]): AllowList {
  const list: AllowList = { hosts: new Set(), suffixes: [], cidrs: [], entries: [...entries] }
  for (const raw of entries) {
    const e = raw.trim().toLowerCase()
    if (!e) continue
    if (e.startsWith('*.')) list.suffixes.push(e.slice(1))
    else if (e.includes('/') && ipaddr.isValidCIDR(e)) list.cidrs.push(ipaddr.parseCIDR(e))
    else if (ipaddr.isValid(stripBrackets(e))) {
      const ip = ipaddr.process(stripBrackets(e))
      list.cidrs.push([ip, ip.kind() === 'ipv4' ? 32 : 128])
    } else list.hosts.add(e)
  }
  return list
}

export function makePolicy(mode: EgressMode, allow: readonly string[] = []): EgressPolicy {
  return { mode, allow: parseAllowList(allow) }
}

/** A stable key for caching one dispatcher per policy. */
export function policyKey(p: EgressPolicy): string {
  const restricted = p.privateOrigins ? `|restricted:${[...p.privateOrigins].sort().join(',')}` : ''
  return `${p.mode}|${[...p.allow.entries].sort().join(',')}${restricted}`
}

/** `policy` restricted to `privateOrigins` for loopback/private addresses (see EgressPolicy). */
export function restrictPrivate(policy: EgressPolicy, privateOrigins: Iterable<string>): EgressPolicy {
  return { ...policy, privateOrigins: new Set(privateOrigins) }
}

/** The URL-standard origin of a connection target (`http://[::1]:8080`, default port dropped). */
export function originFor(protocol: string, host: string, port: string | number | null | undefined): string {
  const bare = stripBrackets(host)
  const h = bare.includes(':') ? `[${bare}]` : bare
  try {
    return new URL(`${protocol}//${h}${port ? `:${port}` : ''}`).origin
  } catch {
    return ''
  }
}

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

const v4 = (hi: number, lo: number) =>
  ipaddr.fromByteArray([hi >> 8, hi & 255, lo >> 8, lo & 255]) as ipaddr.IPv4

/** Whether the 16-bit groups `from`..`to` (inclusive) are all zero. */
const zero = (p: number[], from: number, to: number) => p.slice(from, to + 1).every((x) => x === 0)

/**
 * IPv6 forms that carry an IPv4 address, judged by that address (a translator or the host's
 * own stack may deliver them to it). Decided on the 16-bit groups, not on ipaddr.js's range
 * names, so every spelling of one address (dotted, hex, zero-padded) is judged alike:
 * - IPv4-mapped `::ffff:a.b.c.d` and IPv4-translated `::ffff:0:a.b.c.d` (RFC 6145);
 * - IPv4-compatible `::a.b.c.d` (deprecated, still accepted by some stacks; `::` and `::1`
 *   are themselves);
 * - NAT64: the well-known prefix `64:ff9b::/96` and the local-use `64:ff9b:1::/48` (RFC 8215)
 *   in its /96 layout (groups 3-5 zero, the IPv4 address last);
 * - 6to4 `2002:a.b.c.d::/48`.
 * Returns `opaque` for a local-use NAT64 address in another layout: its IPv4 address depends
 * on the translator's prefix length, which we cannot know, so it is refused.
 */
function embeddedV4(ip: ipaddr.IPv6): ipaddr.IPv4 | 'opaque' | null {
  const p = ip.parts
  if (zero(p, 0, 4) && p[5] === 0xffff) return v4(p[6]!, p[7]!)
  if (zero(p, 0, 3) && p[4] === 0xffff && p[5] === 0) return v4(p[6]!, p[7]!)
  if (zero(p, 0, 5) && !(p[6] === 0 && p[7]! <= 1)) return v4(p[6]!, p[7]!)
  if (p[0] === 0x64 && p[1] === 0xff9b) {
    if (zero(p, 2, 5)) return v4(p[6]!, p[7]!)
    if (p[2] === 1) return zero(p, 3, 5) ? v4(p[6]!, p[7]!) : 'opaque'
  }
  if (p[0] === 0x2002) return v4(p[1]!, p[2]!)
  return null
}

function normalise(address: string): ipaddr.IPv4 | ipaddr.IPv6 | 'opaque' {
  const ip = ipaddr.parse(stripBrackets(address))
  if (ip.kind() === 'ipv6') return embeddedV4(ip as ipaddr.IPv6) ?? ip
  return ip
}

/** Classifies a resolved address. Unparseable input is `blocked`. */
export function classifyAddress(address: string): AddressClass {
  let ip: ipaddr.IPv4 | ipaddr.IPv6 | 'opaque'
  try {
    ip = normalise(address)
  } catch {
    return 'blocked'
  }
  if (ip === 'opaque') return 'blocked'
  for (const [net, bits] of METADATA) if (ip.kind() === net.kind() && ip.match(net, bits)) return 'blocked'
  const range = ip.range()
  switch (range) {
    case 'linkLocal':
    case 'unspecified': // 0.0.0.0 and :: reach the local host on most stacks
    case 'broadcast':
    case 'multicast':
      return 'blocked'
    case 'loopback':
      return 'loopback'
    case 'private':
    case 'uniqueLocal':
    case 'carrierGradeNat':
      return 'private'
    case 'unicast':
      return 'public'
    default:
      // Reserved, benchmarking, documentation ranges: not the public internet.
      return 'private'
  }
}

function allowListed(policy: EgressPolicy, host: string, address: string): boolean {
  const h = stripBrackets(host.toLowerCase())
  const a = policy.allow
  if (a.hosts.has(h)) return true
  if (a.suffixes.some((s) => h.endsWith(s))) return true
  if (a.cidrs.length === 0) return false
  let ip: ipaddr.IPv4 | ipaddr.IPv6 | 'opaque'
  try {
    ip = normalise(address)
  } catch {
    return false
  }
  if (ip === 'opaque') return false
  return a.cidrs.some(([net, bits]) => ip.kind() === net.kind() && ip.match(net, bits))
}

/**
 * Decides whether `host` (as named in the URL) resolved to `address` may be reached, for a
 * connection to `origin` (needed only when the policy is restricted to private origins).
 * Returns null when allowed, or the reason it is refused.
 */
export function refusal(policy: EgressPolicy, host: string, address: string, origin = ''): string | null {
  const cls = classifyAddress(address)
  if (cls === 'blocked') {
    return `${address} is a link-local, cloud-metadata, reserved or non-unicast address, which is always refused`
  }
  if (allowListed(policy, host, address)) return null
  if (policy.mode === 'public-only' && cls !== 'public') {
    return `egress mode public-only refuses ${cls} address ${address}`
  }
  if (policy.mode === 'private-only' && cls === 'public') {
    return `egress mode private-only refuses public address ${address}`
  }
  if (policy.privateOrigins && cls !== 'public' && !policy.privateOrigins.has(origin)) {
    return `${address} is a ${cls} address and ${origin || host} is not on the org's privateOrigins list (only credentials an org admin created or re-pointed reach loopback/private addresses elsewhere)`
  }
  return null
}

/** The org's egress setting as stored in `orgs.settings.egress`. */
export interface OrgEgressSetting {
  mode?: EgressMode
  allow?: string[]
}

/**
 * The effective policy: the env value is a ceiling and the org setting may only tighten it.
 * An org may pick a mode only when the env mode is `open` (the other two are each tighter than
 * open but not comparable to one another); under a non-open env mode its allow-list keeps only
 * entries the env allow-list also has.
 */
export function effectivePolicy(
  env: { egress: EgressMode; egressAllow: string[] },
  org: OrgEgressSetting | undefined,
): EgressPolicy {
  if (!org) return makePolicy(env.egress, env.egressAllow)
  const mode = env.egress === 'open' ? (org.mode ?? 'open') : env.egress
  let allow = env.egressAllow
  if (org.allow) {
    const envSet = new Set(env.egressAllow.map((e) => e.trim().toLowerCase()))
    allow = env.egress === 'open' ? org.allow : org.allow.filter((e) => envSet.has(e.trim().toLowerCase()))
  }
  return makePolicy(mode, allow)
}

/**
 * Validates an org egress setting against the env ceiling, for the settings endpoint.
 * Returns an error message naming what would loosen the ceiling, or null when it only tightens.
 */
export function checkOrgEgress(
  env: { egress: EgressMode; egressAllow: string[] },
  org: OrgEgressSetting,
): string | null {
  if (org.mode && !EGRESS_MODES.includes(org.mode)) return `unknown egress mode ${String(org.mode)}`
  if (org.mode && env.egress !== 'open' && org.mode !== env.egress) {
    return `egress mode ${org.mode} would loosen the server's ceiling (${env.egress})`
  }
  if (org.allow && env.egress !== 'open') {
    const envSet = new Set(env.egressAllow.map((e) => e.trim().toLowerCase()))
    const extra = org.allow.filter((e) => !envSet.has(e.trim().toLowerCase()))
    if (extra.length) return `egress allow entries not in LATCHKEY_EGRESS_ALLOW: ${extra.join(', ')}`
  }
  return null
}
