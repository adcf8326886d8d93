/**
 * A recording "attacker" HTTP server on loopback: the exfiltration target of the attack tests
 * in test/security. It answers every request with a plausible JSON 200 and keeps what it was
 * sent, so a test can assert that a key never arrived — in a header, the URL or the body,
 * verbatim, URL-encoded or base64.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Captured {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

export interface Attacker {
  /** `http://127.0.0.1:<port>` */
  origin: string
  requests: Captured[]
  /** Whether any request carried `secret` in any usual encoding. */
  saw(secret: string): boolean
  close(): Promise<void>
}

export async function startAttacker(reply: unknown = { ok: true, data: [] }): Promise<Attacker> {
  const requests: Captured[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    requests,
    saw(secret: string) {
      const forms = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]
      return requests.some((r) => {
        const text = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`
        return forms.some((f) => text.includes(f))
      })
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
