/**
 * `LATCHKEY_TRUST_PROXY`: which peers may tell Latchkey a client's address (`X-Forwarded-For`)
 * and scheme (`X-Forwarded-Proto`). Client addresses key the sign-in and invite limits, so a
 * peer trusted too widely lets any client pick a fresh address per guess.
 *
 * - unset, `false`, `0`: trust no one (the socket's address is the client);
 * - a hop count `N`: the last N hops are proxies (the client is the Nth entry from the right of
 *   `X-Forwarded-For`) — safe only while Latchkey is reachable through those proxies alone;
 * - a list of proxy addresses, CIDRs or the names `loopback`, `linklocal`, `uniquelocal`:
 *   hops from these addresses are trusted, the first one from the right that is not is the
 *   client — safe wherever Latchkey is reachable.
 *
 * `true` used to trust every hop, so a client's own `X-Forwarded-For` entry won. It now means
 * one hop (a single proxy appends the real address last), with a warning to name the proxy.
 * @module
 */
import ipaddr from 'ipaddr.js'

export type TrustProxy = false | { hops: number } | { proxies: string[] }

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

export const TRUE_MEANS_ONE_HOP =
  'LATCHKEY_TRUST_PROXY=true is read as one proxy hop (it no longer trusts every hop, which let clients forge X-Forwarded-For); set it to your proxy’s address or CIDR (e.g. 127.0.0.1 or 10.0.0.0/8) so only that proxy is trusted'

/** Parses the setting; returns an error message naming the bad entry instead of throwing. */
export function parseTrustProxy(raw: string): { value: TrustProxy; warning?: string } | { error: string } {
  const v = raw.trim().toLowerCase()
  if (['', 'false', 'no', 'off', '0'].includes(v)) return { value: false }
  if (['true', 'yes', 'on'].includes(v)) return { value: { hops: 1 }, warning: TRUE_MEANS_ONE_HOP }
  if (/^\d+$/.test(v)) {
    const hops = Number(v)
    if (hops > 16) return { error: 'expected at most 16 proxy hops' }
    return { value: { hops } }
  }
  const proxies = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const p of proxies) {
    if (NAMES.has(p)) continue
    const [addr, bits, extra] = p.split('/')
    const ok =
      extra === undefined &&
      ipaddr.isValid(addr!) &&
      (bits === undefined ||
        (/^\d+$/.test(bits) && Number(bits) <= (ipaddr.parse(addr!).kind() === 'ipv4' ? 32 : 128)))
    if (!ok) {
      return {
        error: `"${p}" is not a proxy address, CIDR, hop count or one of loopback, linklocal, uniquelocal`,
      }
    }
  }
  return { value: { proxies } }
}
