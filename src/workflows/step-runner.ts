/**
 * Runs one step to completion: renders its templates, fans out over `foreach` with bounded
 * concurrency, retries retryable failures (`retries: N`, exponential backoff), and sums
 * tokens, cost and latency over every call the step made.
 * @module
 */
import type { Invoke } from '../gateway/spec/v1/index.js'
import { roleAtLeast } from '../identity/authorize.js'
import type { Principal } from '../identity/principal.js'
import type { ToolSecretRequest } from '../vault/tool-secrets.js'
import type { Step, Tool } from './recipe-types.js'
import type { RunRow } from './run-store.js'
import { stepPrincipal } from './starter.js'
import { runModelStep } from './steps/model-step.js'
import { StepError } from './steps/step-error.js'
import { runToolStep, type ToolFetch } from './steps/tool-step.js'
import { refsIn, renderString, renderText, renderValue, type TemplateScope } from './templates.js'

/**
 * The recipe version's last editor, whose rights bound the run's: a run may use only
 * credentials and secrets its starter *and* the editor may use. Null: no second check (the
 * starter is the editor, or the starter chose the step's model themselves). `gone`: the editor
 * can no longer act, so nothing of theirs is vouched for.
 */
export type EditorBound = { principal: Principal } | { gone: string } | null

export interface StepDeps {
  invoke: Invoke
  editor: EditorBound
  toolFetch: ToolFetch
  /** Resolves `{{ secrets.NAME }}` for a tool call (the vault's ToolSecrets.resolve); throws when refused. */
  toolSecret: (req: ToolSecretRequest) => Promise<string>
  principal: Principal
  run: RunRow
  tools: Record<string, Tool>
  signal: AbortSignal
}

export interface StepResult {
  output: unknown
  inputTokens: number
  outputTokens: number
  costUsd: number | null
  latencyMs: number
  provider: string | null
  resolvedModel: string | null
  credentialId: string | null
}

const MAX_FOREACH = 1000

/** Secret values resolved for one execution of a step, by `name origin` (one audit per use). */
type SecretMemo = Map<string, Promise<string>>

export async function executeStep(
  step: Step,
  model: string | null,
  scope: TemplateScope,
  deps: StepDeps,
): Promise<StepResult> {
  const memo: SecretMemo = new Map()
  if (step.foreach === undefined)
    return withRetries(step, deps, () => once(step, model, scope, deps, null, memo))
  const items = renderString(step.foreach, scope)
  if (!Array.isArray(items)) throw new StepError('foreach did not resolve to an array', false)
  if (items.length > MAX_FOREACH)
    throw new StepError(`foreach over ${items.length} items (max ${MAX_FOREACH})`, false)
  const results: StepResult[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      if (deps.signal.aborted) throw new StepError('cancelled', false)
      const itemScope = { ...scope, item: items[i] }
      results[i] = await withRetries(step, deps, () => once(step, model, itemScope, deps, i, memo))
    }
  }
  await Promise.all(Array.from({ length: Math.min(step.concurrency ?? 4, items.length) }, worker))
  return {
    output: results.map((r) => r.output),
    ...sum(results),
    provider: results[0]?.provider ?? null,
    resolvedModel: results[0]?.resolvedModel ?? null,
    credentialId: results[0]?.credentialId ?? null,
  }
}

function sum(rs: StepResult[]) {
  const costs = rs.map((r) => r.costUsd).filter((c): c is number => c != null)
  return {
    inputTokens: rs.reduce((a, r) => a + r.inputTokens, 0),
    outputTokens: rs.reduce((a, r) => a + r.outputTokens, 0),
    costUsd: costs.length ? costs.reduce((a, b) => a + b, 0) : null,
    latencyMs: rs.reduce((a, r) => a + r.latencyMs, 0),
  }
}

async function withRetries(step: Step, deps: StepDeps, fn: () => Promise<StepResult>): Promise<StepResult> {
  const retries = step.retries ?? 0
  const spent = { inputTokens: 0, outputTokens: 0, costUsd: null as number | null }
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await fn()
      return {
        ...r,
        inputTokens: r.inputTokens + spent.inputTokens,
        outputTokens: r.outputTokens + spent.outputTokens,
        costUsd: r.costUsd == null && spent.costUsd == null ? null : (r.costUsd ?? 0) + (spent.costUsd ?? 0),
      }
    } catch (err) {
      const e = err instanceof StepError ? err : new StepError((err as Error).message, true)
      if (e.usage) {
        spent.inputTokens += e.usage.inputTokens
        spent.outputTokens += e.usage.outputTokens
        if (e.usage.costUsd != null) spent.costUsd = (spent.costUsd ?? 0) + e.usage.costUsd
      }
      if (attempt >= retries || !e.retryable || deps.signal.aborted) {
        throw new StepError(
          attempt > 0 ? `${e.message} (after ${attempt + 1} attempts)` : e.message,
          false,
          spent,
        )
      }
      await sleep(Math.min(250 * 2 ** attempt, 5000), deps.signal)
    }
  }
}

async function once(
  step: Step,
  model: string | null,
  scope: TemplateScope,
  deps: StepDeps,
  index: number | null,
  memo: SecretMemo,
): Promise<StepResult> {
  const editor = deps.editor
  if (model !== null) {
    if (editor && 'gone' in editor) throw new StepError(`model ${model}: ${editor.gone}`, false)
    const r = await runModelStep({
      step,
      model,
      system: step.system === undefined ? undefined : renderText(step.system, scope),
      prompt: renderText(step.prompt!, scope),
      invoke: deps.invoke,
      ctx: {
        principal: stepPrincipal(deps.principal),
        workspaceId: deps.run.workspace_id,
        runId: deps.run.id,
        stepId: step.id,
        workflowId: deps.run.workflow_id,
        signal: deps.signal,
        alsoUsableBy: editor?.principal,
      },
    })
    return { ...r, provider: r.provider, resolvedModel: r.resolvedModel, credentialId: r.credentialId }
  }
  const name = step.tool!
  const tool = deps.tools[name]!
  // Secrets never appear in the URL (save-time rule), so it renders without them; its origin
  // is where the secrets go, checked against each secret's sealed origins before sending.
  const url = renderText(tool.url, scope)
  let origin: string
  try {
    origin = new URL(url).origin
  } catch {
    throw new StepError(`tool ${name}: url is not a valid absolute URL`, false)
  }
  // Looked up only for the tool that names them, as the run's starter.
  const secrets: Record<string, string> = {}
  for (const ref of refsIn(tool.headers ?? {})) {
    const secret = ref.path[0]!
    if (ref.root !== 'secrets' || secret in secrets) continue
    const key = `${secret} ${origin}`
    if (editor && 'gone' in editor) throw new StepError(`secret ${secret}: ${editor.gone}`, false)
    let value = memo.get(key)
    if (!value) {
      value = deps.toolSecret({
        principal: deps.principal,
        alsoUsableBy: editor?.principal,
        name: secret,
        origin,
        use: {
          runId: deps.run.id,
          workflowId: deps.run.workflow_id,
          stepId: step.id,
          workspaceId: deps.run.workspace_id,
        },
      })
      memo.set(key, value)
    }
    try {
      secrets[secret] = await value
    } catch (err) {
      // A refusal is final: the same request is refused again. Nothing was sent.
      throw new StepError((err as Error).message, false)
    }
  }
  const toolScope = { ...scope, secrets }
  const r = await runToolStep({
    toolName: name,
    tool,
    url,
    headers: Object.fromEntries(
      Object.entries(tool.headers ?? {}).map(([k, v]) => [k, renderText(v, toolScope)]),
    ),
    body: renderValue(step.with ?? {}, scope),
    orgId: deps.run.org_id,
    idempotencyKey: index === null ? `${deps.run.id}:${step.id}` : `${deps.run.id}:${step.id}:${index}`,
    fetch: deps.toolFetch,
    restricted: !vouchesForUrls(editor, deps.principal),
    signal: deps.signal,
  })
  return {
    output: r.output,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
    latencyMs: r.latencyMs,
    provider: null,
    resolvedModel: null,
    credentialId: null,
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        resolve()
      },
      { once: true },
    )
  })
}

/**
 * Whether whoever chose the recipe's tool URLs — the version's last editor, or the starter
 * when they are the editor — is an org owner or admin, who may vouch for loopback/private
 * destinations (issue 15, path 9). An editor who can no longer act vouches for nothing.
 */
function vouchesForUrls(editor: EditorBound, starter: Principal): boolean {
  const author = editor === null ? starter : 'principal' in editor ? editor.principal : null
  return author !== null && roleAtLeast(author.role, 'admin')
}
