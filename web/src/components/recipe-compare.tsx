/** Compare a whole recipe across model choices (workflows compare API): one run per model. */
import { type FormEvent, useState } from 'react'
import { get, post } from '../api/client.js'
import type { Page, WorkflowSummary } from '../api/types.js'
import { ms, usd } from '../lib/format.js'
import type { ModelGroup } from '../lib/models.js'
import { useAsync } from '../lib/use-async.js'
import { ErrorNotice, Field, StatusBadge } from './ui.js'

interface CompareRow {
  model: string
  status?: string
  runId?: string
  costUsd?: number | null
  latencyMs?: number | null
  output?: unknown
  error?: unknown
  usage?: { inputTokens: number; outputTokens: number }
  sameShapeAsFirst?: boolean | null
  schemaValid?: boolean | null
}

interface CompareReport {
  id: string
  status: 'running' | 'done'
  shapesEqual: boolean | null
  columns: CompareRow[]
}

export function RecipeCompare({ models }: { models: string[]; groups: ModelGroup[] }) {
  const wfs = useAsync(
    (signal) => get<Page<WorkflowSummary>>('/api/v1/workflows', { signal }).catch(() => ({ data: [] })),
    [],
  )
  const [wf, setWf] = useState('')
  const [inputs, setInputs] = useState('{}')
  const [picked, setPicked] = useState<string[]>([])
  const [report, setReport] = useState<CompareReport | null>(null)
  const rows = report?.columns ?? null
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const list = wfs.data?.data ?? []
  if (list.length === 0) return null

  async function run(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    let parsed: unknown
    try {
      parsed = JSON.parse(inputs)
    } catch {
      setError(new Error('Inputs must be a JSON object'))
      return
    }
    setBusy(true)
    try {
      const started = await post<{ id: string }>(`/api/v1/workflows/${wf}/compare`, {
        inputs: parsed,
        models: picked,
      })
      // Long-poll the report until every column's run has finished.
      let r = await get<CompareReport>(`/api/v1/workflow-compares/${started.id}`)
      setReport(r)
      while (r.status === 'running') {
        r = await get<CompareReport>(`/api/v1/workflow-compares/${started.id}?wait=20`)
        setReport(r)
      }
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card stack" aria-labelledby="recipe-cmp-h">
      <h2 id="recipe-cmp-h">Compare a whole recipe</h2>
      <form className="stack" onSubmit={run}>
        <div className="grid-2">
          <Field label="Workflow">
            {(id) => (
              <select id={id} required value={wf} onChange={(e) => setWf(e.target.value)}>
                <option value="">Choose…</option>
                {list.map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name} v{w.version}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Inputs (JSON)">
            {(id) => (
              <textarea
                id={id}
                className="mono"
                rows={3}
                value={inputs}
                onChange={(e) => setInputs(e.target.value)}
              />
            )}
          </Field>
        </div>
        <fieldset className="models-pick">
          <legend>Models to try</legend>
          {models.map((m) => (
            <label key={m} className="check-inline">
              <input
                type="checkbox"
                checked={picked.includes(m)}
                onChange={(e) => setPicked(e.target.checked ? [...picked, m] : picked.filter((x) => x !== m))}
              />
              <span className="mono">{m}</span>
            </label>
          ))}
        </fieldset>
        <ErrorNotice error={error} />
        <div className="row end">
          <button type="submit" className="btn btn-primary" disabled={busy || !wf || picked.length < 2}>
            {busy ? 'Running…' : 'Compare recipe'}
          </button>
        </div>
      </form>
      {report?.status === 'done' && report.shapesEqual !== null && (
        <p className={report.shapesEqual ? 'badge badge-ok' : 'badge badge-warn'}>
          {report.shapesEqual
            ? 'Every model produced the same output shape'
            : 'Output shapes differ between models'}
        </p>
      )}
      {rows && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Cost
              </th>
              <th scope="col" className="num">
                Time
              </th>
              <th scope="col">Shape</th>
              <th scope="col">Output</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.model}>
                <td className="mono">{r.model}</td>
                <td>
                  <StatusBadge status={r.status ?? (r.error ? 'failed' : 'succeeded')} />
                </td>
                <td className="num">{usd(r.costUsd ?? null)}</td>
                <td className="num">{ms(r.latencyMs ?? null)}</td>
                <td>
                  {r.sameShapeAsFirst === true ? 'same' : r.sameShapeAsFirst === false ? 'differs' : '—'}
                  {r.schemaValid === false && ' · schema failed'}
                </td>
                <td>
                  <pre className="output small">
                    {typeof r.output === 'string' ? r.output : JSON.stringify(r.output ?? r.error, null, 2)}
                  </pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
