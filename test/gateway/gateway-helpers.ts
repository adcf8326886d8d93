/**
 * Gateway test setup: a fake OpenAI upstream, a runtime whose credential lookup is an
 * in-memory list (so gateway tests do not depend on the vault's HTTP API), and the app
 * listening on a real loopback socket for SDK clients.
 */
import type { CallEvent, CredentialLookup, CredentialMaterial } from '../../src/gateway/spec/v1/index.js'
import { MemoryCallSink } from '../../src/server/runtime.js'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { createTestEnv, type TestDialect, type TestEnv, type TestEnvOptions } from '../helpers.js'

export const UPSTREAM_KEY = 'sk-fake-upstream-key-0123456789'
export const OTHER_KEY = 'sk-other-upstream-key-9876543210'

export function credential(
  name: string,
  baseUrl: string,
  extra: Partial<CredentialMaterial> = {},
): CredentialMaterial {
  return {
    credentialId: `cred_${name}`,
    name,
    provider: 'openai',
    version: 1,
    baseUrl,
    region: null,
    apiKey: UPSTREAM_KEY,
    models: [],
    orgId: '',
    workspaceId: null,
    ...extra,
  }
}

/** A CredentialLookup over a mutable list; every credential is usable by everyone in the org. */
export class StaticCredentials implements CredentialLookup {
  constructor(public creds: CredentialMaterial[] = []) {}
  async find(_p: unknown, name: string) {
    return this.creds.find((c) => c.name === name) ?? null
  }
  async list() {
    return [...this.creds]
  }
  async known(_orgId: string, name: string) {
    return this.creds.some((c) => c.name === name)
  }
}

export interface GatewayTestEnv extends TestEnv {
  fake: FakeUpstream
  creds: StaticCredentials
  /** http://127.0.0.1:port of the Latchkey app. */
  url: string
  events(): CallEvent[]
  /** Resolves once at least `n` call events were emitted (the gateway's post-call work is done). */
  eventsAtLeast(n: number): Promise<void>
}

export async function gatewayEnv(
  dialect: TestDialect = 'sqlite',
  opts: TestEnvOptions & { creds?: (fake: FakeUpstream) => CredentialMaterial[] } = {},
): Promise<GatewayTestEnv> {
  const fake = await startFakeOpenAI()
  const creds = new StaticCredentials(opts.creds ? opts.creds(fake) : [credential('oa', fake.baseUrl)])
  const sink = new MemoryCallSink()
  const waiters: { n: number; resolve: () => void }[] = []
  const wake = () => {
    for (const w of waiters.filter((x) => sink.events.length >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve()
    }
  }
  const env = await createTestEnv(dialect, {
    ...opts,
    setup: async (rt) => {
      rt.credentials = creds
      // Capture call events and still feed the real sink (usage writer) behind it.
      const inner = rt.calls
      rt.calls = {
        emit(e) {
          sink.emit(e)
          inner.emit(e)
          wake()
        },
      }
      await opts.setup?.(rt)
    },
  })
  await env.app.listen({ port: 0, host: '127.0.0.1' })
  const addr = env.app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    ...env,
    fake,
    creds,
    url: `http://127.0.0.1:${port}`,
    events: () => sink.events,
    eventsAtLeast: (n) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve })
        wake()
      }),
    async close() {
      await env.close()
      await fake.close()
    },
  }
}
