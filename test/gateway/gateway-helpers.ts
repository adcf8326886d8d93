/**
 * Gateway test setup: a fake OpenAI upstream, credentials created through the real vault
 * (POST /api/v1/credentials as the owner, org scope), so every gateway call goes through the
 * vault's sealing and its use rights; and the app listening on a real loopback socket for SDK
 * clients. A suite that needs to swap the lookup itself passes `standIn` with its reason and
 * gets an in-memory list instead.
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
  /** The stand-in lookup (only with `standIn`; otherwise the vault's, read-only here). */
  creds: StaticCredentials
  /** Ids of the vault credentials by name (`credential('oa', …)` → its real id). */
  credentialId(name: string): string
  /** Creates one more credential through the vault (or the stand-in list). */
  addCredential(c: CredentialMaterial): Promise<string>
  /** http://127.0.0.1:port of the Latchkey app. */
  url: string
  events(): CallEvent[]
  /** Resolves once at least `n` call events were emitted (the gateway's post-call work is done). */
  eventsAtLeast(n: number): Promise<void>
}

export async function gatewayEnv(
  dialect: TestDialect = 'sqlite',
  opts: TestEnvOptions & {
    creds?: (fake: FakeUpstream) => CredentialMaterial[]
    /** Why this suite replaces the vault's lookup with an in-memory list (it must say why). */
    standIn?: string
  } = {},
): Promise<GatewayTestEnv> {
  const fake = await startFakeOpenAI()
  const wanted = opts.creds ? opts.creds(fake) : [credential('oa', fake.baseUrl)]
  const creds = new StaticCredentials(opts.standIn ? wanted : [])
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
      if (opts.standIn) rt.credentials = creds
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
  const ids = new Map<string, string>()
  const addCredential = async (c: CredentialMaterial): Promise<string> => {
    if (opts.standIn) {
      creds.creds.push(c)
      ids.set(c.name, c.credentialId)
      return c.credentialId
    }
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: env.auth('owner'),
      payload: {
        name: c.name,
        provider: c.provider,
        scope: 'org',
        ...(c.apiKey !== undefined ? { apiKey: c.apiKey } : {}),
        ...(c.secret !== undefined ? { secret: c.secret } : {}),
        ...(c.baseUrl && c.provider === 'http-secret' ? { origins: [new URL(c.baseUrl).origin] } : {}),
        ...(c.baseUrl && c.provider !== 'http-secret' ? { baseUrl: c.baseUrl } : {}),
        ...(c.region ? { region: c.region } : {}),
        ...(c.models.length ? { models: c.models } : {}),
      },
    })
    if (r.statusCode !== 201) throw new Error(`credential ${c.name}: ${r.statusCode} ${r.body}`)
    ids.set(c.name, r.json().id)
    return r.json().id as string
  }
  for (const c of wanted) {
    if (opts.standIn) ids.set(c.name, c.credentialId)
    else await addCredential(c)
  }
  return {
    ...env,
    fake,
    creds,
    credentialId: (name) => {
      const id = ids.get(name)
      if (!id) throw new Error(`no credential ${name} in this env`)
      return id
    },
    addCredential,
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
