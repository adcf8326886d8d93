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

export interface Flood {
  /** `http://127.0.0.1:<port>` */
  origin: string
  /** Body bytes the server got to write before the client went away (or the ceiling). */
  written(): number
  /** Resolves when the client has closed the connection of the first request. */
  hungUp: Promise<void>
  close(): Promise<void>
}

/**
 * A malicious upstream whose answer never ends: it writes the body as fast as the client
 * reads it (backpressure, so what it wrote is what the client took in, give or take socket
 * buffers) until the client hangs up, or a 256 MiB ceiling so a broken client cannot make
 * the test run forever. No content-length, so only reading can tell the size.
 */
export async function startFlood(contentType = 'application/json'): Promise<Flood> {
  let written = 0
  let hangUp!: () => void
  const hungUp = new Promise<void>((r) => {
    hangUp = r
  })
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  const server = http.createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': contentType })
    if (contentType.startsWith('application/json')) res.write('{"pad":"')
    let closed = false
    res.on('close', () => {
      closed = true
      hangUp()
    })
    const pump = () => {
      while (!closed && written < 256 * 1024 * 1024) {
        written += chunk.length
        if (!res.write(chunk)) return void res.once('drain', pump)
      }
      if (!closed) res.end('"}')
    }
    pump()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    hungUp,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
