/**
 * Fake Gemini API / Vertex Gemini (generateContent JSON, `alt=sse` streams of whole
 * GenerateContentResponse objects ending at EOF, batchEmbedContents, Google error bodies).
 * Model `*-limited` → 429 RESOURCE_EXHAUSTED with RetryInfo; `*-cut` → reset mid-stream.
 */
import type http from 'node:http'
import { sendJson, startSse, writeAll } from './fake-http.js'
import { type Asked, decide, pieces, USAGE } from './fake-model.js'

type Obj = Record<string, any>

export function geminiAsked(body: Obj): Asked {
  const contents = (body.contents ?? []) as Obj[]
  const last = contents.at(-1)
  const gc = body.generationConfig ?? {}
  const fcc = body.toolConfig?.functionCallingConfig
  const schema =
    gc.responseJsonSchema ??
    gc.responseSchema ??
    (gc.responseMimeType === 'application/json' ? { type: 'object' } : undefined)
  return {
    tools: ((body.tools ?? []) as Obj[]).flatMap((t) =>
      ((t.functionDeclarations ?? []) as Obj[]).map((f) => ({
        name: f.name,
        schema: f.parametersJsonSchema ?? f.parameters,
      })),
    ),
    afterToolResult: last?.role === 'user' && (last.parts ?? []).some((p: Obj) => p.functionResponse),
    schema,
    forcedTool: fcc?.mode === 'ANY' ? fcc.allowedFunctionNames?.[0] : undefined,
    thinking: gc.thinkingConfig?.includeThoughts === true,
  }
}

function usageMetadata(thoughts: number) {
  return {
    promptTokenCount: USAGE.input + USAGE.cacheRead,
    candidatesTokenCount: USAGE.output,
    cachedContentTokenCount: USAGE.cacheRead,
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
    totalTokenCount: USAGE.input + USAGE.cacheRead + USAGE.output + thoughts,
  }
}

export function geminiParts(body: Obj): { parts: Obj[]; thoughts: number } {
  const d = decide(geminiAsked(body))
  if (d.kind === 'tool')
    return {
      parts: [{ functionCall: { name: d.name, args: d.args }, thoughtSignature: 'gsig_fake' }],
      thoughts: 0,
    }
  if (d.kind === 'json') return { parts: [{ text: JSON.stringify(d.value) }], thoughts: 0 }
  return {
    parts: [...(d.reasoning ? [{ text: d.reasoning, thought: true }] : []), { text: d.text }],
    thoughts: d.reasoning ? 5 : 0,
  }
}

export async function serveGemini(
  res: http.ServerResponse,
  body: Obj,
  model: string,
  op: string,
): Promise<void> {
  if (model.endsWith('-limited')) {
    return sendJson(res, 429, {
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' }],
      },
    })
  }
  if (op === 'batchEmbedContents') {
    const reqs = (body.requests ?? []) as Obj[]
    return sendJson(res, 200, {
      embeddings: reqs.map((r, i) => ({
        values: [0.1 * (i + 1), 0.2, 0.3].slice(0, r.outputDimensionality ?? 3),
      })),
    })
  }
  const { parts, thoughts } = geminiParts(body)
  const base = { modelVersion: model, responseId: 'gem_fake_1' }
  if (op === 'generateContent') {
    return sendJson(res, 200, {
      candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
      usageMetadata: usageMetadata(thoughts),
      ...base,
    })
  }
  startSse(res)
  const chunks: Obj[] = []
  for (const p of parts) {
    if (typeof p.text === 'string' && !p.thought) {
      for (const t of pieces(p.text))
        chunks.push({ candidates: [{ content: { role: 'model', parts: [{ text: t }] }, index: 0 }], ...base })
    } else chunks.push({ candidates: [{ content: { role: 'model', parts: [p] }, index: 0 }], ...base })
  }
  chunks.push({
    candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: usageMetadata(thoughts),
    ...base,
  })
  await writeAll(
    res,
    chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`),
    model.endsWith('-cut') ? 1 : undefined,
  )
}
