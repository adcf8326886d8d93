/**
 * A fully furnished org, and a second org beside it, for the suites that walk every
 * management route (cross-tenant isolation, the OpenAPI fuzzer). One object of each kind a
 * route path can name, created through the real API, so a path parameter can always be filled
 * with a real id.
 */
import { expect } from 'vitest'
import { createOrg, createWorkspace } from '../../src/identity/orgs.js'
import { insertToken } from '../../src/identity/tokens-repo.js'
import type { E2eEnv } from '../workflows/e2e-env.js'
import { createToken, type Headers, join } from './security-helpers.js'

export interface Furnished {
  credentialId: string
  wsCredentialId: string
  credentialName: string
  routeAlias: string
  budgetId: string
  priceId: string
  tokenId: string
  memberUserId: string
  workspaceId: string
  secondWorkspaceId: string
  workflowId: string
  runId: string
  compareId: string
}

export interface SecondOrg {
  orgId: string
  workspaceId: string
  credentialId: string
  /** Its owner's bearer header. */
  owner: Headers
}

/** A recipe with one model step that parks at review (so its run stays put). */
export function reviewRecipe(name: string, marker: string): string {
  return `
name: ${name}
inputs: { text: string }
steps:
  - id: draft
    model: oa/gpt-4o-mini
    prompt: "Say hello to {{ inputs.text }}"
    review: { role: admin, message: "${marker} check" }
`
}

export async function call(env: E2eEnv, h: Headers, method: string, url: string, payload?: unknown) {
  return env.app.inject({
    method: method as 'GET',
    url,
    headers: h,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
}

/** Calls and expects `status`; the parsed body. */
export async function ok(
  env: E2eEnv,
  h: Headers,
  method: string,
  url: string,
  payload?: unknown,
  status = 200,
) {
  const r = await call(env, h, method, url, payload)
  expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(status)
  return r.json()
}

/**
 * Furnishes the env's org: a workspace credential (key `apiKey`), a grant, a route, a budget,
 * a price, a token, a member, a second workspace, a workflow with a run parked at review, a
 * compare, and one gateway call's usage and audit records. Every name starts with `prefix`.
 */
export async function furnishOrg(
  env: E2eEnv,
  prefix: string,
  opts: { memberEmail: string; apiKey?: string },
): Promise<Furnished> {
  const owner = env.auth()
  const creds = (await ok(env, owner, 'GET', '/api/v1/credentials')).data as { id: string; name: string }[]
  const oa = creds.find((c) => c.name === 'oa')!
  const wsCred = await ok(
    env,
    owner,
    'POST',
    '/api/v1/credentials',
    {
      name: `${prefix}-ws-key`,
      provider: 'openai',
      apiKey: opts.apiKey ?? `sk-${prefix}-ws-key-0123456789`,
      baseUrl: env.openai.baseUrl,
      scope: 'workspace',
      workspaceId: env.workspaceId,
    },
    201,
  )
  const member = await join(env, opts.memberEmail, 'member')
  const grant = { subjectType: 'user', subjectId: member.userId, right: 'use' }
  await ok(env, owner, 'POST', `/api/v1/credentials/${oa.id}/grants`, grant, 201)
  const route = { alias: `${prefix}-route`, targets: [{ model: 'oa/gpt-4o-mini' }] }
  await ok(env, owner, 'POST', '/api/v1/routes', route, 201)
  const budget = await ok(
    env,
    owner,
    'POST',
    '/api/v1/budgets',
    { name: `${prefix}-budget`, scope: 'org', window: 'month', limitUsd: 1000 },
    201,
  )
  const price = await ok(
    env,
    owner,
    'POST',
    '/api/v1/prices',
    { provider: 'openai', model: `${prefix}-model`, inputPerMTok: 1, outputPerMTok: 2 },
    201,
  )
  const token = await createToken(env, owner, { name: `${prefix}-token`, role: 'admin' })
  expect(token.status).toBe(201)
  const ws2 = await ok(env, owner, 'POST', '/api/v1/workspaces', { name: `${prefix}-ws2` }, 201)
  const wf = await ok(
    env,
    owner,
    'POST',
    '/api/v1/workflows',
    { yaml: reviewRecipe(`${prefix}-flow`, prefix) },
    201,
  )
  const run = await ok(
    env,
    owner,
    'POST',
    `/api/v1/workflows/${wf.id}/runs`,
    { inputs: { text: prefix } },
    202,
  )
  const parked = await ok(env, owner, 'GET', `/api/v1/runs/${run.id}?wait=20`)
  expect(parked.status).toBe('waiting_review')
  const cmp = await ok(
    env,
    owner,
    'POST',
    `/api/v1/workflows/${wf.id}/compare`,
    { inputs: { text: prefix }, models: ['oa/gpt-4o-mini', 'oa/gpt-4o'] },
    202,
  )
  // Usage and audit records, through the gateway.
  const chat = await env.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { ...token.headers, 'content-type': 'application/json' },
    payload: { model: `${prefix}-route`, messages: [{ role: 'user', content: 'hi' }] },
  })
  expect(chat.statusCode, chat.body).toBe(200)
  return {
    credentialId: oa.id,
    wsCredentialId: wsCred.id,
    credentialName: 'oa',
    routeAlias: `${prefix}-route`,
    budgetId: budget.id,
    priceId: price.id,
    tokenId: token.id,
    memberUserId: member.userId,
    workspaceId: env.workspaceId,
    secondWorkspaceId: ws2.id,
    workflowId: wf.id,
    runId: run.id,
    compareId: cmp.id,
  }
}

/** A second org with its own owner token, workspace and credential. */
export async function createSecondOrg(env: E2eEnv, name = 'Tenant B'): Promise<SecondOrg> {
  const orgId = await createOrg(env.rt.db.db, name)
  const workspaceId = await createWorkspace(env.rt.db.db, orgId, `${name} workspace`)
  const t = await insertToken(env.rt.db.db, {
    orgId,
    workspaceId,
    userId: null,
    name: 'b-owner',
    role: 'owner',
    createdBy: 'test',
  })
  const owner = { authorization: `Bearer ${t.raw}` }
  const cred = await ok(
    env,
    owner,
    'POST',
    '/api/v1/credentials',
    { name: 'b-key', provider: 'openai', apiKey: 'sk-tenant-b-0123456789', baseUrl: env.openai.baseUrl },
    201,
  )
  return { orgId, workspaceId, credentialId: cred.id, owner }
}

/**
 * The URL of an OpenAPI path with each parameter filled with one of `f`'s objects, chosen by
 * the collection the path names; null when this table has no object for it (a new collection:
 * teach it here).
 */
export function fillPath(path: string, f: Furnished): string | null {
  const byCollection: Record<string, string> = {
    credentials: f.credentialId,
    budgets: f.budgetId,
    prices: f.priceId,
    tokens: f.tokenId,
    workflows: f.workflowId,
    runs: f.runId,
    'workflow-compares': f.compareId,
    workspaces: f.workspaceId,
    routes: f.routeAlias,
    members: f.memberUserId,
  }
  let unfilled = false
  const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (name === 'userId') return f.memberUserId
    const id = byCollection[path.split('/')[3]!]
    if (!id) unfilled = true
    return id ?? ''
  })
  return unfilled ? null : url
}

/** The operations of the server's OpenAPI document, as `METHOD /path` pairs. */
export async function openApiDoc(env: E2eEnv): Promise<OpenApiDoc> {
  return (await ok(env, env.auth(), 'GET', '/api/v1/openapi.json')) as OpenApiDoc
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOperation>>
}

export interface OpenApiOperation {
  parameters?: { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema?: JsonSchema }[]
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> }
}

/** The subset of JSON Schema the zod → OpenAPI transform emits. */
export interface JsonSchema {
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minItems?: number
  maxItems?: number
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  default?: unknown
}

export interface Op {
  method: string
  path: string
  op: OpenApiOperation
}

export function operations(doc: OpenApiDoc): Op[] {
  return Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([m, op]) => ({ method: m.toUpperCase(), path, op })),
  )
}
