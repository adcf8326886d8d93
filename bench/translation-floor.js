// The floor for the translation bench: a minimal Node proxy that forwards the caller's bytes to
// the Anthropic upstream over a keep-alive pool and streams the answer back — no translation.
import http from 'node:http'
import { Pool } from 'undici'

const upstream = new Pool(process.env.UPSTREAM, { connections: 256, keepAliveTimeout: 60_000 })
const server = http.createServer(async (req, res) => {
  try {
    const r = await upstream.request({
      method: 'POST',
      path: '/v1/messages',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-bench',
        'anthropic-version': '2023-06-01',
      },
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
