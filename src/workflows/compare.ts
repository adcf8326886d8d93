/**
 * Recipe compare: the whole recipe once per model choice (every model step switched to that
 * model), side by side: status, output shape and whether it equals the first column's,
 * schema validity, tokens, cost and latency. Compare runs skip review gates and tool steps so
 * that answering "can we swap providers?" never waits for a human or posts anything.
 * @module
 */
import { badRequest, notFound } from '../errors/app-error.js'
import { authorize } from '../identity/authorize.js'
import type { Principal } from '../identity/principal.js'
import { newId } from '../identity/secrets.js'
import { type Shape, sameShape, shapeOf } from './output-shape.js'
import type { WorkflowService } from './workflow-service.js'

export interface CompareColumn {
  model: string
  runId: string
  status: string
  error: string | null
  outputShape: Shape | null
  sameShapeAsFirst: boolean | null
  /** Every schema-checked step produced conforming output (false when a step failed on it). */
  schemaValid: boolean | null
  usage: { inputTokens: number; outputTokens: number }
  costUsd: number | null
  latencyMs: number
  output: unknown
}

export interface CompareReport {
  id: string
  workflowId: string
  status: 'running' | 'done'
  shapesEqual: boolean | null
  columns: CompareColumn[]
}

export async function startCompare(
  svc: WorkflowService,
  p: Principal,
  workflowId: string,
  body: { inputs: Record<string, unknown>; models: string[] },
): Promise<{ id: string; runIds: string[] }> {
  if (body.models.length < 2 || body.models.length > 6)
    throw badRequest('models: give 2 to 6 models', { param: 'models' })
  authorize(p, 'compare:run', { orgId: p.orgId })
  const wf = await svc.get(p, workflowId)
  const { recipe } = await svc.recipe(workflowId, wf.version)
  const modelSteps = recipe.steps.filter((s) => s.model !== undefined).map((s) => s.id)
  if (modelSteps.length === 0) throw badRequest('the recipe has no model steps to compare')
  const id = newId('cmp')
  const runIds: string[] = []
  for (const model of body.models) {
    const models = Object.fromEntries(modelSteps.map((s) => [s, model]))
    const run = await svc.startRun(
      p,
      workflowId,
      { inputs: body.inputs, models, version: wf.version },
      { mode: 'compare', compareId: id },
    )
    runIds.push(run.id)
  }
  return { id, runIds }
}

export async function compareReport(
  svc: WorkflowService,
  p: Principal,
  compareId: string,
  waitMs = 0,
): Promise<CompareReport> {
  const rows = await svc.db
    .selectFrom('workflow_runs')
    .select(['id', 'org_id', 'workflow_id'])
    .where('compare_id', '=', compareId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  if (rows.length === 0 || rows[0]!.org_id !== p.orgId) throw notFound('compare not found')
  // Outsiders of the runs' workspace learn nothing, and do not get to wait on them either.
  await svc.readableRun(p, rows[0]!.id).catch(() => {
    throw notFound('compare not found')
  })
  const deadline = Date.now() + waitMs
  for (const r of rows) await svc.engine.waitSettled(r.id, Math.max(0, deadline - Date.now()))
  const columns: CompareColumn[] = []
  for (const r of rows) {
    const v = await svc.getRun(p, r.id)
    // The shape is structure, not content: computed from the output even for callers who may
    // not read the output itself (auditors).
    const output = v.contentVisible ? v.output : await svc.outputForShape(r.id)
    const { recipe } = await svc.recipe(v.workflowId, v.workflowVersion)
    const done = v.status === 'succeeded'
    const schemaSteps = recipe.steps.filter((s) => s.output?.schema).map((s) => s.id)
    const schemaFailed = v.steps.some(
      (s) => schemaSteps.includes(s.id) && s.status === 'failed' && /schema/.test(s.error ?? ''),
    )
    const schemaOk = v.steps.filter((s) => schemaSteps.includes(s.id)).every((s) => s.status === 'succeeded')
    const model = v.steps.find((s) => s.kind === 'model')?.model ?? ''
    columns.push({
      model,
      runId: v.id,
      status: v.status,
      error: v.error,
      outputShape: done ? shapeOf(output) : null,
      sameShapeAsFirst: null,
      schemaValid: schemaSteps.length === 0 ? null : schemaFailed ? false : schemaOk ? true : null,
      usage: v.usage,
      costUsd: v.costUsd,
      latencyMs: v.steps.reduce((a, s) => a + (s.latencyMs ?? 0), 0),
      output: v.output,
    })
  }
  const first = columns[0]!.outputShape
  for (const c of columns)
    c.sameShapeAsFirst = first && c.outputShape ? sameShape(first, c.outputShape) : null
  const running = columns.some((c) => c.status === 'queued' || c.status === 'running')
  const allShaped = columns.every((c) => c.outputShape)
  return {
    id: compareId,
    workflowId: rows[0]!.workflow_id,
    status: running ? 'running' : 'done',
    shapesEqual: running ? null : allShaped ? columns.every((c) => c.sameShapeAsFirst) : false,
    columns,
  }
}
