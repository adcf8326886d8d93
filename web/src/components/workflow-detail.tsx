/** One workflow: YAML editor (errors at their line), run form from its inputs, run history. */
import { type FormEvent, useEffect, useMemo, useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { ApiError, get, post, put } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page, Run, WorkflowSummary } from '../api/types.js'
import { dateTime, ms, usd } from '../lib/format.js'
import {
  coerceInputs,
  EXAMPLE_RECIPE,
  errorLine,
  inputFields,
  type LineError,
  yamlErrors,
} from '../lib/recipe.js'
import { can } from '../lib/roles.js'
import { useAction } from '../lib/use-action.js'
import { useAsync } from '../lib/use-async.js'
import { SubmitRow } from './form-fields.js'
import { num, Table } from './table.js'
import { ErrorNotice, Field, Listing, Notice, PageHeader, Section, Spinner, StatusBadge } from './ui.js'
import { YamlEditor } from './yaml-editor.js'

export function WorkflowDetail() {
  const { id } = useParams()
  const me = useMe()
  const navigate = useNavigate()
  const wf = useAsync(
    (signal) => (id ? get<WorkflowSummary>(`/api/v1/workflows/${id}`, { signal }) : Promise.resolve(null)),
    [id],
  )
  const runs = useAsync(
    (signal) =>
      id ? get<Page<Run>>(`/api/v1/workflows/${id}/runs`, { signal }) : Promise.resolve({ data: [] }),
    [id],
  )
  const [yaml, setYaml] = useState(id ? '' : EXAMPLE_RECIPE)
  const [serverErr, setServerErr] = useState<{ error: unknown; line: LineError | null } | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const mayEdit = can(me.principal, 'workflows:manage')

  useEffect(() => {
    if (wf.data?.yaml !== undefined) setYaml(wf.data.yaml)
  }, [wf.data])

  const syntax = useMemo(() => yamlErrors(yaml), [yaml])
  const lineErrors = [...syntax, ...(serverErr?.line ? [serverErr.line] : [])]
  const fields = useMemo(() => inputFields(id ? (wf.data?.yaml ?? '') : ''), [id, wf.data])

  async function save() {
    setBusy(true)
    setServerErr(null)
    setSaved(null)
    try {
      const r = id
        ? await put<{ id: string; name: string; version: number }>(`/api/v1/workflows/${id}`, { yaml })
        : await post<{ id: string; name: string; version: number }>('/api/v1/workflows', { yaml })
      setSaved(`Saved ${r.name} version ${r.version}.`)
      if (r.id !== id) navigate(`/workflows/${r.id}`, { replace: !id })
      else wf.reload()
    } catch (e) {
      setServerErr({ error: e, line: e instanceof ApiError ? errorLine(e.details, e.message) : null })
    } finally {
      setBusy(false)
    }
  }

  if (id && wf.loading && !wf.data) return <Spinner />
  return (
    <div className="page page-wide">
      <PageHeader
        title={wf.data?.name ?? 'New workflow'}
        subtitle={
          <>
            <Link to="/workflows">Workflows</Link>
            {wf.data && ` · version ${wf.data.version}`}
          </>
        }
      />
      <ErrorNotice error={wf.error} onRetry={wf.reload} />
      <div className={id ? 'split' : undefined}>
        <Section id="recipe-h" title="Recipe" className="card stack">
          <Field
            label="Recipe YAML"
            hint="Saving creates a new version; runs keep the version they started with."
          >
            {(fid, d) => (
              <YamlEditor
                id={fid}
                describedBy={d}
                value={yaml}
                onChange={setYaml}
                errors={lineErrors}
                readOnly={!mayEdit}
              />
            )}
          </Field>
          {lineErrors.length > 0 && (
            <ul className="line-errors" aria-label="Errors">
              {lineErrors.map((e) => (
                <li key={`${e.line}:${e.column ?? 0}:${e.message}`}>
                  <strong>
                    Line {e.line}
                    {e.column ? `, column ${e.column}` : ''}:
                  </strong>{' '}
                  {e.message}
                </li>
              ))}
            </ul>
          )}
          {serverErr && !serverErr.line && <ErrorNotice error={serverErr.error} />}
          {saved && <Notice kind="success">{saved}</Notice>}
          {mayEdit && (
            <SubmitRow
              label="Save"
              busy={busy}
              busyLabel="Saving…"
              disabled={syntax.length > 0}
              onClick={() => void save()}
            />
          )}
        </Section>
        {id && (
          <div className="stack">
            {can(me.principal, 'workflows:run') && (
              <RunForm workflowId={id} fields={fields} onStarted={runs.reload} />
            )}
            <Section id="runs-h" title="Run history">
              <ErrorNotice error={runs.error} onRetry={runs.reload} />
              <Listing empty={(runs.data?.data ?? []).length === 0} ifEmpty="No runs yet.">
                <Table columns={['Run', 'Status', num('Cost'), num('Time'), 'Started']}>
                  {(runs.data?.data ?? []).map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Link className="mono" to={`/workflows/runs/${r.id}`}>
                          {r.id.slice(-10)}
                        </Link>
                      </td>
                      <td>
                        <StatusBadge status={r.status} />
                      </td>
                      <td className="num">{usd(r.costUsd ?? sum(r.steps?.map((s) => s.costUsd)))}</td>
                      <td className="num">{ms(sum(r.steps?.map((s) => s.latencyMs)))}</td>
                      <td>{dateTime(r.createdAt ?? null)}</td>
                    </tr>
                  ))}
                </Table>
              </Listing>
            </Section>
          </div>
        )}
      </div>
    </div>
  )
}

function sum(xs: (number | null | undefined)[] | undefined): number | null {
  if (!xs?.length) return null
  return xs.reduce<number>((a, b) => a + (b ?? 0), 0)
}

function RunForm({
  workflowId,
  fields,
  onStarted,
}: {
  workflowId: string
  fields: ReturnType<typeof inputFields>
  onStarted: () => void
}) {
  const navigate = useNavigate()
  const [values, setValues] = useState<Record<string, string>>({})
  const [errors, setErrors] = useState<Record<string, string>>({})
  const action = useAction()

  async function submit(e: FormEvent) {
    e.preventDefault()
    const { inputs, errors: errs } = coerceInputs(fields, values)
    setErrors(errs)
    if (Object.keys(errs).length) return
    await action.run(async () => {
      const r = await post<{ id: string }>(`/api/v1/workflows/${workflowId}/runs`, { inputs })
      onStarted()
      navigate(`/workflows/runs/${r.id}`)
    })
  }

  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="run-h">
      <h2 id="run-h">Run</h2>
      {fields.length === 0 && <p className="muted">This recipe takes no inputs.</p>}
      {fields.map((f) => (
        <Field
          key={f.name}
          label={`${f.name}${f.optional ? ' (optional)' : ''}`}
          hint={f.description ?? (f.type === 'object' || f.type === 'array' ? `JSON ${f.type}` : f.type)}
          error={errors[f.name]}
        >
          {(id, d) =>
            f.enum ? (
              <select
                id={id}
                aria-describedby={d}
                value={values[f.name] ?? ''}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              >
                <option value="">—</option>
                {f.enum.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : f.type === 'boolean' ? (
              <select
                id={id}
                aria-describedby={d}
                value={values[f.name] ?? 'false'}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              >
                <option value="false">false</option>
                <option value="true">true</option>
              </select>
            ) : f.type === 'string' || f.type === 'object' || f.type === 'array' ? (
              <textarea
                id={id}
                aria-describedby={d}
                aria-invalid={!!errors[f.name]}
                rows={f.type === 'string' ? 3 : 4}
                className={f.type === 'string' ? undefined : 'mono'}
                value={values[f.name] ?? ''}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              />
            ) : (
              <input
                id={id}
                aria-describedby={d}
                aria-invalid={!!errors[f.name]}
                inputMode="decimal"
                value={values[f.name] ?? ''}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              />
            )
          }
        </Field>
      ))}
      <ErrorNotice error={action.error} />
      <SubmitRow label="Start run" busy={action.busy} busyLabel="Starting…" />
    </form>
  )
}
