/**
 * The `azure-openai` kind: OpenAI's wire with Azure's URL and auth. Two URL styles:
 * - v1 (`https://{resource}.openai.azure.com/openai/v1`): OpenAI paths, `model` = deployment;
 * - classic (`…/openai`): `/deployments/{deployment}/chat/completions?api-version=…`.
 * Auth is the `api-key` header. Secret fields (vault schema): `{apiKey, apiVersion?,
 * deployments?}`; `deployments` maps a model name to its deployment, else the model names it.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/reference
 * @module
 */

import { z } from 'zod'
import { badRequest, unauthorized } from '../../errors/app-error.js'
import type { ProviderAdapter, ProviderCall } from '../adapter.js'
import { passBackHeaders } from '../http/headers.js'
import { readJson, send } from '../http/send.js'
import { parseChatRequest } from '../translate/openai-chat-schema.js'
import { toOpenAIWire } from '../translate/openai-compat-quirks.js'
import {
  type OpenAIWireTarget,
  openAIWireChat,
  openAIWireChatStream,
  openAIWireEmbeddings,
} from '../translate/openai-wire-client.js'
import { TranslateContext } from '../translate/translate-context.js'

/** Latest GA data-plane version at the time of writing; override with `secret.apiVersion`. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21'

function baseOf(call: ProviderCall): string {
  if (call.credential.baseUrl) return call.credential.baseUrl.replace(/\/+$/, '')
  throw badRequest(
    `credential '${call.credential.name}' needs a baseUrl (https://<resource>.openai.azure.com/openai)`,
  )
}

/** Deployment for the requested model (secret.deployments maps names; default: the model). */
export function azureDeployment(call: ProviderCall): string {
  const d = call.credential.secret?.deployments
  const mapped = d && typeof d === 'object' ? (d as Record<string, unknown>)[call.model] : undefined
  return typeof mapped === 'string' ? mapped : call.model
}

/** Endpoint URL for `op` (`chat/completions` or `embeddings`). */
export function azureUrl(call: ProviderCall, op: string): string {
  const base = baseOf(call)
  if (/\/openai\/v1$/.test(base)) return `${base}/${op}`
  const s = call.credential.secret ?? {}
  const version = typeof s.apiVersion === 'string' ? s.apiVersion : AZURE_DEFAULT_API_VERSION
  const root = /\/openai$/.test(base) ? base : `${base}/openai`
  return `${root}/deployments/${encodeURIComponent(azureDeployment(call))}/${op}?api-version=${encodeURIComponent(version)}`
}

export function azureHeaders(call: ProviderCall): Record<string, string> {
  const s = call.credential.secret ?? {}
  const key = (typeof s.apiKey === 'string' && s.apiKey) || call.credential.apiKey
  if (key) return { 'api-key': key }
  throw unauthorized(`credential '${call.credential.name}' has no apiKey`)
}

/** Azure's Responses API needs a newer data-plane version than chat (classic URLs only). */
export const AZURE_RESPONSES_API_VERSION = '2025-04-01-preview'

/**
 * Where a same-wire (pass-through) call to Azure goes: the OpenAI body untouched but for
 * `model` (the deployment), Azure's URL and its `api-key` auth. Serves `/v1/responses`, which
 * Azure's v1 URLs answer at `…/openai/v1/responses` and classic ones at
 * `…/openai/responses?api-version=` (not under a deployment).
 */
export function azurePassThroughTarget(
  call: ProviderCall,
  op: 'responses',
): { url: string; headers: Record<string, string>; model: string } {
  const base = baseOf(call)
  const headers = azureHeaders(call)
  const model = azureDeployment(call)
  if (/\/openai\/v1$/.test(base)) return { url: `${base}/${op}`, headers, model }
  const s = call.credential.secret ?? {}
  const version = typeof s.apiVersion === 'string' ? s.apiVersion : AZURE_RESPONSES_API_VERSION
  const root = /\/openai$/.test(base) ? base : `${base}/openai`
  return { url: `${root}/${op}?api-version=${encodeURIComponent(version)}`, headers, model }
}

function target(call: ProviderCall, op: string): OpenAIWireTarget {
  return { provider: 'azure-openai', url: azureUrl(call, op), headers: azureHeaders(call) }
}

const openAIModelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) })

export const azureOpenAIAdapter: ProviderAdapter = {
  wire: 'azure-openai',
  // Same wire as the caller's OpenAI Responses body: relayed, not translated.
  passThrough: ['responses'],

  async chat(raw, call) {
    const req = parseChatRequest(raw)
    const ctx = new TranslateContext(call.mode, 'azure-openai')
    const body = { ...toOpenAIWire(req, ctx), model: azureDeployment(call) }
    const { response, res } = await openAIWireChat(target(call, 'chat/completions'), body, call)
    return { response, warnings: ctx.warnings, headers: passBackHeaders(res) }
  },

  async chatStream(raw, call) {
    const req = parseChatRequest(raw)
    const ctx = new TranslateContext(call.mode, 'azure-openai')
    const body = { ...toOpenAIWire(req, ctx), model: azureDeployment(call) }
    const { chunks, res } = await openAIWireChatStream(target(call, 'chat/completions'), body, call)
    return { chunks, warnings: ctx.warnings, headers: passBackHeaders(res) }
  },

  /**
   * Calls name deployments: the credential's `deployments` map lists the callable ones; a v1
   * base URL (`…/openai/v1`) also answers OpenAI's `GET /models`.
   */
  async listModels(call) {
    const d = call.credential.secret?.deployments
    if (d && typeof d === 'object' && Object.keys(d).length > 0) return Object.keys(d).map((id) => ({ id }))
    if (!/\/openai\/v1$/.test(baseOf(call))) return []
    const res = await send(azureUrl(call, 'models'), {
      provider: 'azure-openai',
      call,
      method: 'GET',
      headers: azureHeaders(call),
    })
    const json = await readJson(res, openAIModelListSchema, 'azure-openai')
    return json.data.map((m) => ({ id: m.id }))
  },

  async embeddings(req, call) {
    const { response, res } = await openAIWireEmbeddings(
      target(call, 'embeddings'),
      { ...req, model: call.model },
      call,
    )
    return { response, warnings: [], headers: passBackHeaders(res) }
  },
}
