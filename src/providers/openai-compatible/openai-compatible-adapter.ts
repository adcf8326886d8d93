/**
 * Pass-through adapter for every kind whose upstream speaks OpenAI's wire (`wire: 'openai'`):
 * the body goes upstream as the client sent it (only `model` swapped and, for streamed chat,
 * `stream_options.include_usage` set for metering); auth is the credential's key, never the
 * caller's `lk_` token. Responses are handed back untouched, except where a kind's answer
 * would break OpenAI clients (the kind's `passThrough` repairs, kind-definition.ts) or ignores
 * the caller's embeddings `encoding_format` (embeddings-format.ts). Canonical requests
 * translated from another wire are mapped per kind and their answers normalised
 * (canonical-chat.ts).
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @module
 */
import { type Dispatcher, request } from 'undici'
import type {
  Endpoint,
  ProviderAdapter,
  StreamEvent,
  UpstreamRequest,
  UpstreamResponse,
} from '../../gateway/provider-adapter.js'
import type { CredentialMaterial } from '../../gateway/spec/v1/index.js'
import { azurePassThroughTarget } from '../azure-openai/azure-openai-provider.js'
import { checkRequestCapabilities } from '../capabilities.js'
import { passThroughRepairs } from '../compat-kinds.js'
import { customHeaders, passBackHeaders } from '../http/headers.js'
import { joinUrl, MAX_UPSTREAM_BODY, readCapped } from '../http/upstream-body.js'
import type { PassThroughRepairs } from '../kind-definition.js'
import { type CanonicalChat, canonicalChatBody, normalizedAnswer, rewrittenEvents } from './canonical-chat.js'
import { base64Embeddings } from './embeddings-format.js'
import { decodeSse } from './openai-compatible-sse.js'

const PATHS: Record<Endpoint, string> = {
  chat: '/chat/completions',
  embeddings: '/embeddings',
  responses: '/responses',
}

/** Kinds whose upstream serves the Responses API through this adapter. */
const RESPONSES_KINDS = new Set(['openai', 'openai-compatible', 'vllm'])

const USER_AGENT = 'latchkey/0.1'

/**
 * Origin and path per (base URL, endpoint), so a call does not parse the URL again (undici's
 * `request(url)` builds a WHATWG URL per call). Bounded: base URLs come from credentials.
 */
const targets = new Map<string, { origin: string; path: string }>()
function targetOf(baseUrl: string, endpoint: Endpoint): { origin: string; path: string } {
  const key = `${endpoint} ${baseUrl}`
  let t = targets.get(key)
  if (!t) {
    const u = new URL(joinUrl(baseUrl, PATHS[endpoint]))
    t = { origin: u.origin, path: `${u.pathname}${u.search}` }
    if (targets.size >= 1000) targets.clear()
    targets.set(key, t)
  }
  return t
}

/**
 * Origin, path and auth of a pass-through call: the kind's OpenAI-style base URL and bearer
 * key, or a same-wire kind with its own URL and auth (Azure: deployment URL, `api-key`).
 */
function whereTo(req: UpstreamRequest): {
  origin: string
  path: string
  auth: { headers: Record<string, string>; model?: string }
} {
  if (req.credential.provider === 'azure-openai' && req.endpoint === 'responses') {
    const t = azurePassThroughTarget(
      { credential: req.credential, model: String(req.body.model) },
      'responses',
    )
    const u = new URL(t.url)
    return {
      origin: u.origin,
      path: `${u.pathname}${u.search}`,
      auth: { headers: t.headers, model: t.model },
    }
  }
  return { ...targetOf(req.credential.baseUrl, req.endpoint), auth: { headers: authHeaders(req.credential) } }
}

function authHeaders(cred: CredentialMaterial): Record<string, string> {
  return cred.apiKey ? { authorization: `Bearer ${cred.apiKey}` } : {}
}

/** A rewrite of a 200 JSON answer: its new status and body, or undefined to keep it as sent. */
type AnswerRewrite = (json: unknown) => { status: number; body: unknown } | undefined

/**
 * What a 200 answer needs before the gateway reads it, if anything: a kind's failure-in-body
 * read as the error it is, a canonical call's answer normalised (a caller's own keeps its
 * bytes), float embeddings encoded as the base64 the caller asked for (embeddings-format.ts).
 */
function answerRewrite(
  req: UpstreamRequest,
  body: Record<string, unknown>,
  canonical: CanonicalChat | undefined,
  repairs: PassThroughRepairs | undefined,
): AnswerRewrite | undefined {
  if (req.endpoint === 'embeddings') {
    if (body.encoding_format !== 'base64') return undefined
    return (json) => {
      const encoded = base64Embeddings(json)
      return encoded === undefined ? undefined : { status: 200, body: encoded }
    }
  }
  const inBody = repairs?.failureInBody
  const normalize = canonical?.quirks?.normalizeResponse ? canonical.quirks : undefined
  if (!inBody && !normalize) return undefined
  return (json) => {
    const failure = inBody?.(json)
    if (failure) return { status: failure.status, body: { error: { message: failure.message } } }
    return normalize ? { status: 200, body: normalizedAnswer(json, normalize) } : undefined
  }
}

/** Reads a 200 answer and applies `rewrite`; a body that is not JSON is left to the gateway. */
async function rewrittenAnswer(
  res: Dispatcher.ResponseData,
  headers: Record<string, string>,
  rewrite: AnswerRewrite,
): Promise<UpstreamResponse> {
  const text = await readCapped(res.body, MAX_UPSTREAM_BODY)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // Not JSON: the gateway reports the malformed body itself.
  }
  const out = json === undefined ? undefined : rewrite(json)
  const parsed = out ? (out.status === 200 ? out.body : undefined) : json
  return {
    status: out?.status ?? 200,
    headers,
    text: async () => (out ? JSON.stringify(out.body) : text),
    ...(parsed === undefined ? {} : { parsed }),
    events: () => {
      throw new Error('not a stream')
    },
    discard: () => {},
  }
}

export const openAICompatibleAdapter: ProviderAdapter = {
  wire: 'openai',

  supports(endpoint, credential) {
    return endpoint !== 'responses' || RESPONSES_KINDS.has(credential.provider)
  },

  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const kind = req.credential.provider
    // Refused before anything is sent (and a route moves on to its next target).
    if (req.endpoint === 'chat') checkRequestCapabilities(req.body, kind, String(req.body.model))
    const canonical = req.canonical && req.endpoint === 'chat' ? canonicalChatBody(req) : undefined
    const repairs = passThroughRepairs(kind)
    let body = canonical?.body ?? req.body
    if (req.stream && repairs?.noStreamOptions && body.stream_options !== undefined) {
      const { stream_options: _dropped, ...rest } = body
      body = rest
    }
    if (req.stream && req.endpoint === 'chat' && req.wantUsage && !repairs?.noStreamOptions) {
      const so = body.stream_options
      body = {
        ...body,
        stream_options: { ...(so && typeof so === 'object' ? so : {}), include_usage: true },
      }
    }
    const { origin, path, auth } = whereTo(req)
    if (auth.model) body = { ...body, model: auth.model }
    const res = await req.dispatcher.request({
      origin,
      path,
      method: 'POST',
      signal: req.signal,
      headers: {
        ...req.forwardHeaders,
        // The credential's own extra headers on every request (docs/providers.md); ours win.
        ...customHeaders(req.credential.secret),
        'content-type': 'application/json',
        accept: req.stream ? 'text/event-stream' : 'application/json',
        'user-agent': USER_AGENT,
        ...auth.headers,
      },
      body: JSON.stringify(body),
    })
    const headers = { ...passBackHeaders(res.headers), ...canonical?.headers }
    const rewrite =
      !req.stream && res.statusCode === 200 ? answerRewrite(req, body, canonical, repairs) : undefined
    if (rewrite) return rewrittenAnswer(res, headers, rewrite)
    return {
      status: res.statusCode,
      headers,
      text: () => readCapped(res.body, MAX_UPSTREAM_BODY),
      events: (): AsyncIterator<StreamEvent> => {
        const events = decodeSse(res.body)
        const normalize = canonical?.quirks?.createStreamNormalizer?.()
        if (normalize) return rewrittenEvents(events, normalize)[Symbol.asyncIterator]()
        const repair = req.endpoint === 'chat' ? repairs?.toolCallChunks : undefined
        const repaired = repair
          ? rewrittenEvents(events, repair(), (d) => d.includes('"tool_calls"'))
          : events
        return repaired[Symbol.asyncIterator]()
      },
      discard: () => {
        res.body.destroy()
      },
    }
  },

  async listModels(credential, dispatcher, signal) {
    const res = await request(joinUrl(credential.baseUrl, '/models'), {
      method: 'GET',
      dispatcher,
      signal,
      headers: {
        ...customHeaders(credential.secret),
        accept: 'application/json',
        'user-agent': USER_AGENT,
        ...authHeaders(credential),
      },
    })
    if (res.statusCode !== 200) {
      // dump(), not destroy(): destroying an unread undici body rejects a promise nobody holds.
      await res.body.dump().catch(() => {})
      throw new Error(`model list answered ${res.statusCode}`)
    }
    const json = (await res.body.json()) as { data?: { id?: unknown }[] }
    return (json.data ?? []).flatMap((m) => (typeof m.id === 'string' ? [{ id: m.id }] : []))
  },
}
