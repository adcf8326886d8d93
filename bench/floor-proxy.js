// The floor: the least a Node proxy can do — accept, forward the bytes to the upstream over a
// keep-alive pool (undici), stream the answer back. No auth, no routing, no metering.
import http from 'node:http'
import { Pool } from 'undici'

const upstream = new Pool(process.env.UPSTREAM, { connections: 256, keepAliveTimeout: 60_000 })
const server = http.createServer(async (req, res) => {
  try {
    const r = await upstream.request({
      method: req.method,
      path: req.url,
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body: req,
    })
    res.writeHead(r.statusCode, { 'content-type': r.headers['content-type'] })
    for await (const c of r.body) if (!res.write(c)) await new Promise((ok) => res.once('drain', ok))
    res.end()
  } catch {
    res.destroy()
  }
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }))
