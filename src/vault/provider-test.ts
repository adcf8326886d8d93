/**
 * `POST /credentials/:id/test`: one cheap authenticated call (list models) to see whether the
 * provider accepts the key. The connection goes through the caller's egress dispatcher — the
 * org's effective policy, restricted for a credential no org admin vouched for, exactly as
 * the gateway would connect — which judges every resolved address (so a name pointing at a
 * metadata address is refused), and whatever the provider says back is scrubbed of secrets
 * before it is returned.
 * @module
 */

import { type Dispatcher, fetch } from 'undici'
import { scrubSecrets, secretStrings } from '../errors/scrub.js'
import type { CredentialMaterial } from '../gateway/spec/v1/resolve-model.js'
import { customHeaders } from '../providers/http/headers.js'
import { kindInfo } from '../providers/kinds.js'
import { sendableHeaderValue } from './secret-material.js'

export interface KeyTestResult {
  ok: boolean
  /** false when this kind cannot be tested with a plain key call (Bedrock SigV4, Vertex OAuth). */
  supported: boolean
  status: number | null
  message: string
  models?: number
  latencyMs: number
}

type Material = Pick<CredentialMaterial, 'provider' | 'baseUrl' | 'apiKey' | 'secret'>

function listModelsRequest(m: Material): { url: string; headers: Record<string, string> } | null {
  const wire = kindInfo(m.provider)?.wire
  const extra = customHeaders(m.secret)
  const key = m.apiKey ?? (typeof m.secret?.apiKey === 'string' ? m.secret.apiKey : undefined)
  switch (wire) {
    case 'openai':
      return {
        url: `${m.baseUrl}/models`,
        headers: { ...extra, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      }
    case 'anthropic':
      return {
        url: `${m.baseUrl}/v1/models?limit=1`,
        headers: { ...extra, 'x-api-key': key ?? '', 'anthropic-version': '2023-06-01' },
      }
    case 'gemini':
      return {
        url: `${m.baseUrl}/v1beta/models?pageSize=1`,
        headers: { ...extra, 'x-goog-api-key': key ?? '' },
      }
    case 'azure-openai': {
      const v = typeof m.secret?.apiVersion === 'string' ? m.secret.apiVersion : '2024-10-21'
      const url = /\/v1$/.test(m.baseUrl) ? `${m.baseUrl}/models` : `${m.baseUrl}/models?api-version=${v}`
      return { url, headers: { ...extra, 'api-key': key ?? '' } }
    }
    default:
      return null
  }
}

function providerReason(status: number, body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown }
    const msg = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message)
    if (typeof msg === 'string' && msg) return msg.slice(0, 500)
  } catch {
    // Not JSON: use the text.
  }
  return body.trim().slice(0, 300) || `HTTP ${status}`
}

export async function testCredentialKey(
  m: Material,
  dispatcher: Dispatcher,
  opts: { timeoutMs?: number } = {},
): Promise<KeyTestResult> {
  const started = Date.now()
  const req = listModelsRequest(m)
  if (!req) {
    return {
      ok: false,
      supported: false,
      status: null,
      message: `testing ${m.provider} credentials is not supported`,
      latencyMs: 0,
    }
  }
  const known = secretStrings({ apiKey: m.apiKey, secret: m.secret })
  // A key stored before the vault refused unsendable ones would fail inside fetch with a
  // ByteString error reported as "cannot reach the provider": say what is wrong instead.
  if (Object.values(req.headers).some((v) => !sendableHeaderValue(v))) {
    return {
      ok: false,
      supported: true,
      status: null,
      message:
        "the stored key or a custom header holds characters that cannot be sent in an HTTP header (such as '…'): re-enter it",
      latencyMs: 0,
    }
  }
  try {
    const res = await fetch(req.url, {
      method: 'GET',
      headers: { accept: 'application/json', ...req.headers },
      dispatcher,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    })
    const text = (await res.text()).slice(0, 1_000_000)
    const latencyMs = Date.now() - started
    if (res.ok) {
      let models: number | undefined
      try {
        const j = JSON.parse(text) as { data?: unknown[]; models?: unknown[] }
        models = (j.data ?? j.models)?.length
      } catch {
        // A 2xx with an odd body still proves the key was accepted.
      }
      return {
        ok: true,
        supported: true,
        status: res.status,
        message: 'the provider accepted the key',
        models,
        latencyMs,
      }
    }
    return {
      ok: false,
      supported: true,
      status: res.status,
      message: scrubSecrets(providerReason(res.status, text), known),
      latencyMs,
    }
  } catch (err) {
    const e = err as Error & { cause?: Error & { code?: string } }
    const why = e.cause?.message ?? e.message
    return {
      ok: false,
      supported: true,
      status: null,
      message: scrubSecrets(`cannot reach the provider: ${why}`, known),
      latencyMs: Date.now() - started,
    }
  }
}
