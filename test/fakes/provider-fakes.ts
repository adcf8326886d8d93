/**
 * One loopback server hosting a fake of every provider wire format under its own prefix:
 * `/anthropic` (Anthropic Messages), `/gemini` (Gemini API), `/bedrock` (Bedrock runtime,
 * SigV4-checked), `/vertex` (OAuth token endpoint + Vertex Gemini/Claude paths), `/oa/v1`
 * (OpenAI-compatible with tools) and `/azure/openai` (Azure deployments, `api-key`).
 * Every request is recorded for assertions (headers, path, parsed body).
 */
import { createVerify, generateKeyPairSync } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { serveAnthropic } from './anthropic-upstream.js'
import { serveBedrock } from './bedrock-upstream.js'
import { sendJson } from './fake-http.js'
import { serveGemini } from './gemini-upstream.js'
import { serveOpenAITools } from './openai-tools-upstream.js'

export const ANTHROPIC_KEY = 'sk-ant-fake-0123456789abcdef'
export const GEMINI_KEY = 'AIzaFakeGeminiKey0123456789'
export const OA_KEY = 'sk-fake-compat-0123456789'
export const AZURE_KEY = 'azure-fake-key-0123456789'
export const VERTEX_TOKEN = 'ya29.fake-access-token'
export const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

export interface Recorded {
  path: string
  headers: http.IncomingHttpHeaders
  body: Record<string, any> | null
}

export interface ProviderFakes {
  url: string
  requests: Recorded[]
  /** Vertex service-account key whose token_uri points at this fake. */
  serviceAccount: Record<string, string>
  tokenRequests: number
  close(): Promise<void>
}

export async function startProviderFakes(): Promise<ProviderFakes> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const fakes: ProviderFakes = {
    url: '',
    requests: [],
    serviceAccount: {},
    tokenRequests: 0,
    close: () => new Promise((r) => server.close(() => r())),
  }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const [rawPath, query = ''] = (req.url ?? '/').split('?') as [string, string?]
      let body: Record<string, any> | null = null
      try {
        body =
          raw.length && String(req.headers['content-type']).includes('json')
            ? JSON.parse(raw.toString())
            : null
      } catch {
        body = null
      }
      fakes.requests.push({ path: req.url ?? '', headers: req.headers, body })
      void route(req, res, decodeURIComponent(rawPath), rawPath, query, raw, body ?? {}).catch(() =>
        res.destroy(),
      )
    })
  })

  async function route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    rawPath: string,
    query: string,
    raw: Buffer,
    body: Record<string, any>,
  ): Promise<void> {
    const gem = /^\/gemini\/v1beta\/models\/([^:]+):(\w+)$/.exec(path)
    const bed = /^\/bedrock\/model\/([^/]+)\/([\w-]+)$/.exec(path)
    const vtx =
      /^\/vertex\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^:]+):(\w+)$/.exec(
        path,
      )
    const az = /^\/azure\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(path)
    if (path === '/img.png') {
      const png = Buffer.from(PNG_1PX, 'base64')
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length })
      res.end(png)
      return
    }
    if (path === '/anthropic/v1/models' && req.headers['x-api-key'] === ANTHROPIC_KEY) {
      return sendJson(res, 200, {
        data: [
          {
            type: 'model',
            id: 'claude-sonnet-4-5',
            display_name: 'Claude Sonnet 4.5',
            created_at: '2025-09-29T00:00:00Z',
          },
        ],
        has_more: false,
        first_id: 'claude-sonnet-4-5',
        last_id: 'claude-sonnet-4-5',
      })
    }
    if (path === '/gemini/v1beta/models') {
      if (req.headers['x-goog-api-key'] !== GEMINI_KEY) {
        return sendJson(res, 400, {
          error: {
            code: 400,
            message: 'API key not valid. Please pass a valid API key.',
            status: 'INVALID_ARGUMENT',
          },
        })
      }
      const second = query.includes('pageToken=p2')
      return sendJson(res, 200, {
        models: second
          ? [{ name: 'models/text-embedding-004', supportedGenerationMethods: ['embedContent'] }]
          : [
              {
                name: 'models/gemini-2.5-flash',
                supportedGenerationMethods: ['generateContent', 'countTokens'],
                inputTokenLimit: 1048576,
              },
              { name: 'models/aqa', supportedGenerationMethods: ['generateAnswer'] },
            ],
        ...(second ? {} : { nextPageToken: 'p2' }),
      })
    }
    if (path.startsWith('/anthropic/v1/messages')) {
      if (req.headers['x-api-key'] !== ANTHROPIC_KEY) {
        return sendJson(res, 401, {
          type: 'error',
          error: { type: 'authentication_error', message: 'invalid x-api-key' },
        })
      }
      if (!req.headers['anthropic-version']) {
        return sendJson(res, 400, {
          type: 'error',
          error: { type: 'invalid_request_error', message: 'anthropic-version header is required' },
        })
      }
      if (path.endsWith('/count_tokens')) return sendJson(res, 200, { input_tokens: 42 })
      return serveAnthropic(res, body, String(body.model), body.stream === true)
    }
    if (gem) {
      const m = gem
      if (req.headers['x-goog-api-key'] !== GEMINI_KEY) {
        return sendJson(res, 400, {
          error: {
            code: 400,
            message: 'API key not valid. Please pass a valid API key.',
            status: 'INVALID_ARGUMENT',
            details: [{ reason: 'API_KEY_INVALID' }],
          },
        })
      }
      if (m[2] === 'streamGenerateContent' && query !== 'alt=sse')
        return sendJson(res, 400, { error: { code: 400, message: 'want alt=sse' } })
      return serveGemini(res, body, m[1]!, m[2]!)
    }
    if (bed) {
      const m = bed
      return serveBedrock(req, res, rawPath, raw, body, m[1]!, m[2]!)
    }
    if (path === '/vertex/token') {
      fakes.tokenRequests++
      const form = new URLSearchParams(raw.toString())
      const jwt = form.get('assertion') ?? ''
      const [h, c, s] = jwt.split('.')
      const ok =
        form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
        createVerify('RSA-SHA256')
          .update(`${h}.${c}`)
          .verify(publicKey, Buffer.from(s ?? '', 'base64url'))
      const claims = ok ? JSON.parse(Buffer.from(c!, 'base64url').toString()) : {}
      if (
        !ok ||
        claims.iss !== fakes.serviceAccount.client_email ||
        claims.aud !== fakes.serviceAccount.token_uri
      ) {
        return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' })
      }
      return sendJson(res, 200, { access_token: VERTEX_TOKEN, expires_in: 3599, token_type: 'Bearer' })
    }
    if (vtx) {
      const m = vtx
      if (req.headers.authorization !== `Bearer ${VERTEX_TOKEN}`) {
        return sendJson(res, 401, {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials.',
            status: 'UNAUTHENTICATED',
          },
        })
      }
      const [, , , publisher, model, op] = m
      if (publisher === 'google') return serveGemini(res, body, model!, op!)
      // count-tokens names the model in the body; rawPredict/streamRawPredict must not.
      if (body.anthropic_version !== 'vertex-2023-10-16' || (model !== 'count-tokens' && 'model' in body)) {
        return sendJson(res, 400, {
          type: 'error',
          error: { type: 'invalid_request_error', message: 'bad vertex anthropic body' },
        })
      }
      if (model === 'count-tokens') return sendJson(res, 200, { input_tokens: 42 })
      return serveAnthropic(res, body, model!, op === 'streamRawPredict')
    }
    if (path === '/oa/v1/chat/completions') {
      if (req.headers.authorization !== `Bearer ${OA_KEY}`)
        return sendJson(res, 401, {
          error: {
            message: 'Incorrect API key provided: sk-fake***',
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        })
      return serveOpenAITools(res, body)
    }
    if (path === '/azure/openai/responses') {
      // Azure's Responses API: not under a deployment; `model` names the deployment.
      if (req.headers['api-key'] !== AZURE_KEY)
        return sendJson(res, 401, {
          error: { code: '401', message: 'Access denied due to invalid subscription key.' },
        })
      if (!/^api-version=\d{4}-\d{2}-\d{2}-preview/.test(query))
        return sendJson(res, 400, { error: { code: 'BadRequest', message: 'API version not supported' } })
      const done = {
        id: 'resp_az1',
        object: 'response',
        created_at: 1,
        status: 'completed',
        model: body.model,
        output: [
          {
            type: 'message',
            id: 'msg_az1',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: 'Hello, world!', annotations: [] }],
          },
        ],
        usage: { input_tokens: 11, output_tokens: 4, total_tokens: 15 },
      }
      if (body.stream !== true) return sendJson(res, 200, done)
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const ev = (type: string, data: Record<string, unknown>) =>
        `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`
      res.write(
        ev('response.created', { response: { ...done, status: 'in_progress', output: [], usage: null } }),
      )
      res.write(
        ev('response.output_text.delta', {
          item_id: 'msg_az1',
          output_index: 0,
          content_index: 0,
          delta: 'Hello, world!',
        }),
      )
      res.end(ev('response.completed', { response: done }))
      return
    }
    if (az) {
      const m = az
      if (req.headers['api-key'] !== AZURE_KEY)
        return sendJson(res, 401, {
          error: { code: '401', message: 'Access denied due to invalid subscription key.' },
        })
      if (!/^api-version=\d{4}-\d{2}-\d{2}/.test(query))
        return sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } })
      if (m[2] === 'embeddings') {
        return sendJson(res, 200, {
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.25] }],
          model: m[1],
          usage: { prompt_tokens: 3, total_tokens: 3 },
        })
      }
      return serveOpenAITools(res, { ...body, model: m[1] })
    }
    sendJson(res, 404, { error: { message: `fake: no route ${path}` } })
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  fakes.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fakes.serviceAccount = {
    type: 'service_account',
    project_id: 'fake-project',
    private_key_id: 'kid1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: 'latchkey@fake-project.iam.gserviceaccount.com',
    token_uri: `${fakes.url}/vertex/token`,
  }
  return fakes
}
