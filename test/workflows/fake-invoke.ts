/**
 * An in-process stand-in for the gateway's `rt.invoke` and the vault's credential lookup, for
 * engine tests that do not exercise provider wire formats (the e2e suite uses the real
 * gateway). Replies are scripted per model; every call is recorded.
 */

import { AppError } from '../../src/errors/app-error.js'
import type {
  CredentialLookup,
  CredentialMaterial,
  Invoke,
  InvokeContext,
} from '../../src/gateway/spec/v1/index.js'

export interface FakeCall {
  model: string
  body: Record<string, unknown>
  ctx: InvokeContext
}

export type Responder = (
  model: string,
  body: Record<string, unknown>,
  ctx: InvokeContext,
) => string | Promise<string>

export function fakeInvoke(respond: Responder, calls: FakeCall[] = []): Invoke {
  return async (body, ctx) => {
    calls.push({ model: body.model, body, ctx })
    const content = await respond(body.model, body, ctx)
    const [cred, ...rest] = body.model.split('/')
    return {
      response: {
        id: 'chatcmpl-x',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      },
      usage: { inputTokens: 10, outputTokens: 5 },
      costUsd: 0.001,
      credentialId: `cred_${cred}`,
      provider: cred === 'anth' ? 'anthropic' : 'openai',
      model: rest.join('/'),
      latencyMs: 3,
      attempts: 1,
    }
  }
}

/**
 * Model credentials by name, visible to everyone in the test org. Other names go to `real`
 * (the vault's cache), so tool secrets are real http-secret credentials made through the API.
 */
export function fakeCredentials(names: string[], real?: CredentialLookup): CredentialLookup {
  const mk = (name: string): CredentialMaterial => ({
    credentialId: `cred_${name}`,
    name,
    provider: 'openai',
    version: 1,
    baseUrl: 'http://x',
    region: null,
    models: [],
    orgId: 'any',
    workspaceId: null,
  })
  return {
    async find(p, name) {
      if (names.includes(name)) return mk(name)
      return real ? real.find(p, name) : null
    },
    async list() {
      return names.map((n) => mk(n))
    },
  }
}

export const upstreamDown = () =>
  new AppError(502, 'api_error', 'upstream unavailable (openai: 503)', { code: 'upstream_error' })
