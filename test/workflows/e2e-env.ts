/**
 * End-to-end workflow env: the real runtime (vault, gateway, provider layer, usage/audit),
 * credentials created through POST /api/v1/credentials, and local fake upstreams for an
 * OpenAI-wire and an Anthropic-wire provider.
 */
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { createTestEnv, type TestDialect } from '../helpers.js'
import { type FakeAnthropic, startFakeAnthropic } from './fake-anthropic.js'
import { type WfEnv, withHelpers } from './wf-env.js'

export const OPENAI_KEY = 'sk-fake-upstream-key-0123456789'
export const ANTHROPIC_KEY = 'sk-ant-fake-key-0123456789abcdef'

export interface E2eEnv extends WfEnv {
  openai: FakeUpstream
  anthropic: FakeAnthropic
  url: string
}

export async function createE2eEnv(
  dialect: TestDialect,
  opts: { env?: Record<string, string> } = {},
): Promise<E2eEnv> {
  const openai = await startFakeOpenAI()
  const anthropic = await startFakeAnthropic(ANTHROPIC_KEY)
  const base = await createTestEnv(dialect, { env: opts.env })
  const env = withHelpers(base, [], { fn: () => '' }) as E2eEnv
  env.openai = openai
  env.anthropic = anthropic
  for (const c of [
    { name: 'oa', provider: 'openai', apiKey: OPENAI_KEY, baseUrl: openai.baseUrl },
    { name: 'an', provider: 'anthropic', apiKey: ANTHROPIC_KEY, baseUrl: anthropic.url },
  ]) {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: env.auth('admin'),
      payload: c,
    })
    if (r.statusCode !== 201) throw new Error(`credential ${c.name}: ${r.statusCode} ${r.body}`)
  }
  await env.app.listen({ port: 0, host: '127.0.0.1' })
  const addr = env.app.server.address()
  env.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  const close = env.close
  env.close = async () => {
    await close()
    await openai.close()
    await anthropic.close()
  }
  return env
}
