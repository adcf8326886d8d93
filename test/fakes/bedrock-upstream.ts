/**
 * Fake Bedrock runtime: Converse JSON, ConverseStream binary event-stream frames, Titan
 * embeddings through InvokeModel, AWS error bodies (`{message}` + `x-amzn-errortype`), and an
 * independent SigV4 check (node:crypto, not the signer under test): a wrong signature gets
 * 403 InvalidSignatureException exactly like AWS.
 */
import { createHash, createHmac } from 'node:crypto'
import type http from 'node:http'
import { encodeEventFrame } from '../../src/providers/bedrock/bedrock-event-stream.js'
import { anthropicEvents, anthropicMessage } from './anthropic-upstream.js'
import { sendJson, writeAll } from './fake-http.js'
import { type Asked, decide, pieces, USAGE } from './fake-model.js'

type Obj = Record<string, any>

export const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
export const AWS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex')
const hmac = (k: Buffer | string, s: string) => createHmac('sha256', k).update(s).digest()
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** Verifies an AWS SigV4 Authorization header; returns an error text or null. */
export function verifySigV4(
  req: http.IncomingMessage,
  rawPath: string,
  body: Buffer,
  secret = AWS_SECRET,
): string | null {
  const auth = String(req.headers.authorization ?? '')
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    )
  if (!m) return 'missing or malformed SigV4 Authorization header'
  const [, , date, region, service, signed, signature] = m
  if (service !== 'bedrock') return `wrong service ${service}`
  const amzDate = String(req.headers['x-amz-date'] ?? '')
  const names = signed!.split(';')
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('')
  // Canonical URI: each segment of the path as sent, URI-encoded once more (all services but S3).
  const canonicalUri = rawPath
    .split('/')
    .map((seg) => rfc3986(seg))
    .join('/')
  const canonical = ['POST', canonicalUri, '', canonicalHeaders, signed, sha256(body)].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request')
  const expected = createHmac('sha256', key).update(toSign).digest('hex')
  return expected === signature
    ? null
    : 'The request signature we calculated does not match the signature you provided.'
}

export function bedrockAsked(body: Obj): Asked {
  const last = (body.messages ?? []).at(-1) as Obj | undefined
  const schemaText = body.outputConfig?.textFormat?.structure?.jsonSchema?.schema
  return {
    tools: ((body.toolConfig?.tools ?? []) as Obj[]).map((t) => ({
      name: t.toolSpec.name,
      schema: t.toolSpec.inputSchema?.json,
    })),
    afterToolResult: last?.role === 'user' && (last.content ?? []).some((b: Obj) => b.toolResult),
    schema: typeof schemaText === 'string' ? JSON.parse(schemaText) : undefined,
    forcedTool: body.toolConfig?.toolChoice?.tool?.name,
    thinking: !!body.additionalModelRequestFields?.thinking,
  }
}

const usage = {
  inputTokens: USAGE.input,
  outputTokens: USAGE.output,
  totalTokens: USAGE.input + USAGE.output + USAGE.cacheRead + USAGE.cacheWrite,
  cacheReadInputTokens: USAGE.cacheRead,
  cacheWriteInputTokens: USAGE.cacheWrite,
}

export async function serveBedrock(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  rawPath: string,
  raw: Buffer,
  body: Obj,
  model: string,
  op: string,
): Promise<void> {
  const sigErr = verifySigV4(req, rawPath, raw)
  if (sigErr)
    return sendJson(
      res,
      403,
      { message: sigErr },
      {
        'x-amzn-errortype':
          'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      },
    )
  if (model.endsWith('-limited')) {
    return sendJson(
      res,
      429,
      { message: 'Too many requests, please wait before trying again.' },
      { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' },
    )
  }
  if (op === 'invoke' || op === 'invoke-with-response-stream') {
    if (body.anthropic_version === undefined) {
      return sendJson(res, 200, { embedding: [0.1, 0.2, 0.3], inputTextTokenCount: 5 })
    }
    // Anthropic Messages on Bedrock: model in the URL only, Bedrock's anthropic_version.
    if (body.anthropic_version !== 'bedrock-2023-05-31' || 'model' in body || 'stream' in body) {
      return sendJson(
        res,
        400,
        { message: 'Malformed input request' },
        { 'x-amzn-errortype': 'ValidationException' },
      )
    }
    if (op === 'invoke') return sendJson(res, 200, anthropicMessage(body, model))
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' })
    const frames = anthropicEvents(body, model).map((e) =>
      encodeEventFrame('chunk', { bytes: Buffer.from(JSON.stringify(e)).toString('base64'), p: 'abc' }),
    )
    return writeAll(res, frames)
  }
  const d = decide(bedrockAsked(body))
  const stopReason = d.kind === 'tool' ? 'tool_use' : 'end_turn'
  const headers = { 'x-amzn-requestid': 'bedrock-req-1' }
  if (op === 'converse') {
    const content =
      d.kind === 'tool'
        ? [{ toolUse: { toolUseId: d.id, name: d.name, input: d.args } }]
        : [{ text: d.kind === 'json' ? JSON.stringify(d.value) : d.text }]
    return sendJson(
      res,
      200,
      { output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs: 120 } },
      headers,
    )
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', ...headers })
  const frames: Uint8Array[] = [encodeEventFrame('messageStart', { role: 'assistant', p: 'abcdef' })]
  if (d.kind === 'tool') {
    frames.push(
      encodeEventFrame('contentBlockStart', {
        contentBlockIndex: 0,
        start: { toolUse: { toolUseId: d.id, name: d.name } },
      }),
    )
    const json = JSON.stringify(d.args)
    for (const p of [json.slice(0, 4), json.slice(4)])
      frames.push(
        encodeEventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: p } } }),
      )
  } else {
    for (const p of pieces(d.kind === 'json' ? JSON.stringify(d.value) : d.text)) {
      frames.push(encodeEventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: p } }))
    }
  }
  frames.push(encodeEventFrame('contentBlockStop', { contentBlockIndex: 0 }))
  frames.push(encodeEventFrame('messageStop', { stopReason }))
  frames.push(encodeEventFrame('metadata', { usage, metrics: { latencyMs: 100 } }))
  if (model.endsWith('-throttled-midstream'))
    frames.splice(
      2,
      frames.length,
      encodeEventFrame('throttlingException', { message: 'Too many tokens' }, 'exception'),
    )
  await writeAll(res, frames)
}
