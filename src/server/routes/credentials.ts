/**
 * `/api/v1/credentials`: provider keys sealed by the vault. Responses carry metadata,
 * fingerprint and last 4 only; the response schema below is an allow-list, so even a bug
 * that put secret material on a view object could not serialise it.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { KIND_NAMES } from '../../providers/kinds.js'
import { SCOPES } from '../../vault/rights.js'
import { Id, IdParams } from '../id-schema.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const SecretObject = z.record(z.string(), z.unknown())

const CreateBody = z.strictObject({
  name: z.string().max(200),
  provider: z
    .string()
    .max(64)
    .describe(`one of: ${KIND_NAMES.join(', ')}`),
  apiKey: z.string().max(20_000).optional(),
  secret: SecretObject.optional(),
  baseUrl: z.string().max(2048).optional(),
  origins: z
    .array(z.string().max(2048))
    .max(20)
    .optional()
    .describe('http-secret only: the origins (scheme://host[:port]) the secret may be sent to'),
  region: z.string().max(64).optional(),
  scope: z.enum(SCOPES).optional(),
  workspaceId: Id.optional(),
  models: z.array(z.string().max(200)).max(1000).optional(),
})

const PatchBody = z.strictObject({
  name: z.string().max(200).optional(),
  baseUrl: z.string().max(2048).nullable().optional(),
  region: z.string().max(64).nullable().optional(),
  models: z.array(z.string().max(200)).max(1000).optional(),
  apiKey: z
    .string()
    .max(20_000)
    .optional()
    .describe('the key again: required when baseUrl moves to another origin (a rotation), refused otherwise'),
  secret: SecretObject.optional().describe('as apiKey, for kinds whose key lives in secret'),
})

const RotateBody = z.strictObject({
  apiKey: z.string().max(20_000).optional(),
  secret: SecretObject.optional(),
})

const GrantBody = z.strictObject({
  subjectType: z.enum(['user', 'workspace', 'token']),
  subjectId: Id,
  right: z.enum(['use', 'manage']),
})

const ReassignBody = z.strictObject({ userId: Id })

export const CredentialViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.string(),
  category: z.string(),
  baseUrl: z.string(),
  origins: z.array(z.string()),
  region: z.string().nullable(),
  scope: z.enum(SCOPES),
  workspaceId: z.string().nullable(),
  ownerUserId: z.string().nullable(),
  models: z.array(z.string()),
  fingerprint: z.string(),
  last4: z.string().nullable(),
  version: z.number(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  rotatedAt: z.string().nullable(),
  disabledAt: z.string().nullable(),
  canUse: z.boolean(),
  canManage: z.boolean(),
})

const GrantSchema = z.object({
  credentialId: z.string(),
  subjectType: z.string(),
  subjectId: z.string(),
  right: z.string(),
})

const TestResultSchema = z.object({
  ok: z.boolean(),
  supported: z.boolean(),
  status: z.number().nullable(),
  message: z.string(),
  models: z.number().optional(),
  latencyMs: z.number(),
})

export async function credentialRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const svc = () => rt.vault.credentials
  const tags = ['credentials']

  app.post(
    '/api/v1/credentials',
    {
      schema: {
        tags,
        summary: 'Store a provider credential (sealed; never shown again)',
        body: CreateBody,
        response: { 201: CredentialViewSchema },
      },
    },
    async (req, reply) => {
      const view = await svc().create(principalOf(req), req.body as z.infer<typeof CreateBody>)
      return reply.status(201).send(view)
    },
  )

  app.get(
    '/api/v1/credentials',
    {
      schema: {
        tags,
        summary: 'List credentials visible to the caller',
        response: { 200: z.object({ data: z.array(CredentialViewSchema) }) },
      },
    },
    async (req) => ({ data: await svc().list(principalOf(req)) }),
  )

  app.get(
    '/api/v1/credentials/:id',
    {
      schema: { tags, summary: 'One credential', params: IdParams, response: { 200: CredentialViewSchema } },
    },
    async (req) => svc().get(principalOf(req), (req.params as { id: string }).id),
  )

  app.patch(
    '/api/v1/credentials/:id',
    {
      schema: {
        tags,
        summary:
          'Edit metadata (name, baseUrl, region, models); a new baseUrl origin needs the key again (a rotation)',
        params: IdParams,
        body: PatchBody,
        response: { 200: CredentialViewSchema },
      },
    },
    async (req) =>
      svc().patch(principalOf(req), (req.params as { id: string }).id, req.body as z.infer<typeof PatchBody>),
  )

  app.post(
    '/api/v1/credentials/:id/rotate',
    {
      schema: {
        tags,
        summary: 'Replace the key (new version; takes effect at once)',
        params: IdParams,
        body: RotateBody,
        response: { 200: CredentialViewSchema },
      },
    },
    async (req) =>
      svc().rotate(
        principalOf(req),
        (req.params as { id: string }).id,
        req.body as z.infer<typeof RotateBody>,
      ),
  )

  app.delete(
    '/api/v1/credentials/:id',
    {
      schema: {
        tags,
        summary: 'Revoke: calls through it fail at once; the sealed key is destroyed',
        params: IdParams,
      },
    },
    async (req, reply) => {
      await svc().revoke(principalOf(req), (req.params as { id: string }).id)
      return reply.status(204).send()
    },
  )

  app.post(
    '/api/v1/credentials/:id/reassign',
    {
      schema: {
        tags,
        summary: 'Hand a disabled personal credential (its owner left the org) to an active member (owners)',
        params: IdParams,
        body: ReassignBody,
        response: { 200: CredentialViewSchema },
      },
    },
    async (req) =>
      svc().reassign(
        principalOf(req),
        (req.params as { id: string }).id,
        (req.body as z.infer<typeof ReassignBody>).userId,
      ),
  )

  app.get(
    '/api/v1/credentials/:id/grants',
    {
      schema: {
        tags,
        summary: 'Use/manage grants',
        params: IdParams,
        response: { 200: z.object({ data: z.array(GrantSchema) }) },
      },
    },
    async (req) => ({ data: await svc().listGrants(principalOf(req), (req.params as { id: string }).id) }),
  )

  app.post(
    '/api/v1/credentials/:id/grants',
    {
      schema: {
        tags,
        summary: 'Grant use or manage to a user, workspace or token',
        params: IdParams,
        body: GrantBody,
        response: { 201: GrantSchema },
      },
    },
    async (req, reply) => {
      const g = await svc().addGrant(
        principalOf(req),
        (req.params as { id: string }).id,
        req.body as z.infer<typeof GrantBody>,
      )
      return reply.status(201).send(g)
    },
  )

  app.delete(
    '/api/v1/credentials/:id/grants',
    { schema: { tags, summary: 'Remove a grant', params: IdParams, body: GrantBody } },
    async (req, reply) => {
      await svc().removeGrant(
        principalOf(req),
        (req.params as { id: string }).id,
        req.body as z.infer<typeof GrantBody>,
      )
      return reply.status(204).send()
    },
  )

  app.post(
    '/api/v1/credentials/:id/test',
    {
      schema: {
        tags,
        summary: "Check the key against the provider's list-models endpoint",
        params: IdParams,
        response: { 200: TestResultSchema },
      },
    },
    async (req) => {
      const p = principalOf(req)
      return svc().testKey(p, (req.params as { id: string }).id, rt.gateway.egress)
    },
  )
}
