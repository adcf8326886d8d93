/** Helpers for tests that start the real `latchkey serve` process. */
import type { ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'

export const BIN = path.resolve(import.meta.dirname, '../../bin/latchkey.js')

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** Until the server answers /healthz or exits (the hook's timeout bounds the wait). */
export async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 50))
  }
}
