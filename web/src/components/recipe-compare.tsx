/** Compare a whole recipe across model choices (workflows compare API): one run per model. */
import { type FormEvent, useState } from 'react'
import { get, post } from '../api/client.js'
import type { Page, WorkflowSummary } from '../api/types.js'
import { ms, usd } from '../lib/format.js'
import type { ModelGroup } from '../lib/models.js'
import { useAction } from '../lib/use-action.js'
import { useAsync } from '../lib/use-async.js'
import { CheckList, SelectField, SubmitRow, TextAreaField } from './form-fields.js'
import { num, Table } from './table.js'
import { ErrorNotice, Section, StatusBadge } from './ui.js'

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
  const action = useAction()
  const list = wfs.data?.data ?? []
  if (list.length === 0) return null

  async function run(e: FormEvent) {
    e.preventDefault()
    let parsed: unknown
    try {
      parsed = JSON.parse(inputs)
    } catch {
      action.setError(new Error('Inputs must be a JSON object'))
      return
    }
    await action.run(async () => {
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
    })
  }

  return (
    <Section id="recipe-cmp-h" title="Compare a whole recipe" className="card stack">
      <form className="stack" onSubmit={run}>
        <div className="grid-2">
          <SelectField
            label="Workflow"
            required
            value={wf}
            onChange={setWf}
            options={[
              { value: '', label: 'Choose…' },
              ...list.map((w) => ({ value: w.id, label: `${w.name} v${w.version}` })),
            ]}
          />
          <TextAreaField
            label="Inputs (JSON)"
            className="mono"
            rows={3}
            value={inputs}
            onChange={setInputs}
          />
        </div>
        <CheckList
          legend="Models to try"
          items={models}
          value={picked}
          onChange={setPicked}
          render={(m) => <span className="mono">{m}</span>}
        />
        <ErrorNotice error={action.error} />
        <SubmitRow
          label="Compare recipe"
          busy={action.busy}
          busyLabel="Running…"
          disabled={!wf || picked.length < 2}
        />
      </form>
      {report?.status === 'done' && report.shapesEqual !== null && (
        <p className={report.shapesEqual ? 'badge badge-ok' : 'badge badge-warn'}>
          {report.shapesEqual
            ? 'Every model produced the same output shape'
            : 'Output shapes differ between models'}
        </p>
      )}
      {rows && (
        <Table columns={['Model', 'Status', num('Cost'), num('Time'), 'Shape', 'Output']}>
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
        </Table>
      )}
    </Section>
  )
}
