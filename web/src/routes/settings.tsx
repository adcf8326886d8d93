/** Org settings (egress, content storage, retention, CORS), budgets and price overrides. */
import { type FormEvent, useEffect, useState } from 'react'
import { del, get, patch, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page } from '../api/types.js'
import { ErrorNotice, Field, Notice, PageHeader, Spinner } from '../components/ui.js'
import { usd } from '../lib/format.js'
import { can } from '../lib/roles.js'
import { useAsync } from '../lib/use-async.js'

interface OrgSettings {
  egress: 'open' | 'public-only' | 'private-only'
  storeContent: boolean
  retentionDays: number | null
  corsOrigins: string[]
  ceiling: { egress: string; egressChoices: string[]; storeContentAllowed: boolean }
}

const EGRESS_HELP: Record<string, string> = {
  open: 'Any address except link-local and cloud metadata.',
  'public-only': 'Cloud hardening: no loopback or private addresses.',
  'private-only': 'Air-gapped: only loopback and private addresses (plus the allow-list).',
}

export function SettingsPage() {
  const me = useMe()
  return (
    <div className="page">
      <PageHeader title="Settings" subtitle="Organisation policy, budgets and prices." />
      {can(me.principal, 'settings:read') ? (
        <OrgSettingsSection />
      ) : (
        <Notice kind="info">Organisation settings are visible to owners, admins and auditors.</Notice>
      )}
      <BudgetsSection />
      <PricesSection />
    </div>
  )
}

function OrgSettingsSection() {
  const me = useMe()
  const s = useAsync((signal) => get<OrgSettings>('/api/v1/settings', { signal }), [])
  const [draft, setDraft] = useState<OrgSettings | null>(null)
  const [cors, setCors] = useState('')
  const [saved, setSaved] = useState(false)
  const [error, setError] = useState<unknown>()
  const owner = can(me.principal, 'settings:manage')

  useEffect(() => {
    if (s.data) {
      setDraft(s.data)
      setCors(s.data.corsOrigins.join('\n'))
    }
  }, [s.data])

  async function save(e: FormEvent) {
    e.preventDefault()
    if (!draft) return
    setError(undefined)
    setSaved(false)
    try {
      const body: Record<string, unknown> = {
        egress: draft.egress,
        storeContent: draft.storeContent,
        corsOrigins: cors.split(/[\s,]+/).filter(Boolean),
      }
      if (draft.retentionDays) body.retentionDays = draft.retentionDays
      s.setData(await patch<OrgSettings>('/api/v1/settings', body))
      setSaved(true)
    } catch (err) {
      setError(err)
    }
  }

  if (!draft) return s.error ? <ErrorNotice error={s.error} onRetry={s.reload} /> : <Spinner />
  return (
    <form className="card stack" onSubmit={save} aria-labelledby="org-h">
      <h2 id="org-h">Organisation policy</h2>
      {!owner && <p className="muted">Only owners change these.</p>}
      <fieldset disabled={!owner} className="stack">
        <Field
          label="Outbound network (egress)"
          hint={`${EGRESS_HELP[draft.egress]} The server's own limit is "${draft.ceiling.egress}": settings can only tighten it.`}
        >
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={draft.egress}
              onChange={(e) => setDraft({ ...draft, egress: e.target.value as OrgSettings['egress'] })}
            >
              {draft.ceiling.egressChoices.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="check">
          <input
            id="store-content"
            type="checkbox"
            checked={draft.storeContent}
            disabled={!draft.ceiling.storeContentAllowed && !draft.storeContent}
            onChange={(e) => setDraft({ ...draft, storeContent: e.target.checked })}
            aria-describedby="store-content-hint"
          />
          <label htmlFor="store-content">Store prompts and outputs</label>
          <div id="store-content-hint" className="field-hint">
            Off by default: Latchkey keeps only shapes, never text.
            {!draft.ceiling.storeContentAllowed && ' The server forbids it (LATCHKEY_STORE_CONTENT is off).'}
          </div>
        </div>
        <Field label="Retention (days)" hint="How long usage and stored content are kept.">
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="number"
              min={1}
              max={3650}
              value={draft.retentionDays ?? ''}
              onChange={(e) =>
                setDraft({ ...draft, retentionDays: e.target.value ? Number(e.target.value) : null })
              }
            />
          )}
        </Field>
        <Field
          label="Browser origins allowed to call the API (CORS)"
          hint="One origin per line, e.g. https://app.example.com"
        >
          {(id, d) => (
            <textarea
              id={id}
              aria-describedby={d}
              rows={3}
              className="mono"
              value={cors}
              onChange={(e) => setCors(e.target.value)}
            />
          )}
        </Field>
      </fieldset>
      <ErrorNotice error={error} />
      {saved && <Notice kind="success">Settings saved.</Notice>}
      {owner && (
        <div className="row end">
          <button type="submit" className="btn btn-primary">
            Save settings
          </button>
        </div>
      )}
    </form>
  )
}

interface Budget {
  id: string
  name?: string
  scope?: string
  scopeId?: string | null
  period?: string
  limitUsd?: number
  spentUsd?: number
  [k: string]: unknown
}

function BudgetsSection() {
  const me = useMe()
  const list = useAsync((signal) => get<Page<Budget>>('/api/v1/budgets', { signal }), [])
  const [scope, setScope] = useState('org')
  const [scopeId, setScopeId] = useState('')
  const [period, setPeriod] = useState('month')
  const [limit, setLimit] = useState('')
  const [error, setError] = useState<unknown>()
  const manage = can(me.principal, 'budgets:manage')

  async function create(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    try {
      const body: Record<string, unknown> = { scope, period, limitUsd: Number(limit) }
      if (scope !== 'org') body.scopeId = scopeId.trim()
      await post('/api/v1/budgets', body)
      setLimit('')
      setScopeId('')
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  async function remove(b: Budget) {
    setError(undefined)
    try {
      await del(`/api/v1/budgets/${b.id}`)
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  return (
    <section className="card stack" aria-labelledby="budgets-h">
      <h2 id="budgets-h">Budgets</h2>
      <p className="muted">Calls that would pass a budget are refused before they reach the provider.</p>
      <ErrorNotice error={list.error ?? error} />
      {(list.data?.data ?? []).length === 0 ? (
        <p className="muted">No budgets.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">Period</th>
              <th scope="col" className="num">
                Spent
              </th>
              <th scope="col" className="num">
                Limit
              </th>
              {manage && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {(list.data?.data ?? []).map((b) => (
              <tr key={b.id}>
                <td>
                  {b.name ?? b.scope}{' '}
                  {b.scope !== 'org' && <span className="mono small muted">{b.scopeId ?? ''}</span>}
                </td>
                <td>{b.period}</td>
                <td className="num">{usd(b.spentUsd ?? null)}</td>
                <td className="num">{usd(b.limitUsd ?? null)}</td>
                {manage && (
                  <td className="actions">
                    <button type="button" className="btn btn-sm btn-danger" onClick={() => void remove(b)}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <form className="row wrap align-end" onSubmit={create} aria-label="Add a budget">
          <Field label="Scope">
            {(id) => (
              <select id={id} value={scope} onChange={(e) => setScope(e.target.value)}>
                <option value="org">Organisation</option>
                <option value="workspace">Workspace</option>
                <option value="user">User</option>
                <option value="credential">Key</option>
                <option value="token">Access token</option>
              </select>
            )}
          </Field>
          {scope !== 'org' && (
            <Field label={`${scope} ID`}>
              {(id) => (
                <input id={id} required value={scopeId} onChange={(e) => setScopeId(e.target.value)} />
              )}
            </Field>
          )}
          <Field label="Period">
            {(id) => (
              <select id={id} value={period} onChange={(e) => setPeriod(e.target.value)}>
                <option value="day">Daily</option>
                <option value="month">Monthly</option>
              </select>
            )}
          </Field>
          <Field label="Limit (USD)">
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                step="0.01"
                required
                value={limit}
                onChange={(e) => setLimit(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="btn btn-primary">
            Add budget
          </button>
        </form>
      )}
    </section>
  )
}

interface PriceRow {
  id?: string
  provider?: string | null
  model: string
  inputPerMTok?: number
  outputPerMTok?: number
  source?: string
  [k: string]: unknown
}

function PricesSection() {
  const me = useMe()
  const list = useAsync((signal) => get<Page<PriceRow>>('/api/v1/prices', { signal }), [])
  const [provider, setProvider] = useState('')
  const [model, setModel] = useState('')
  const [input, setInput] = useState('')
  const [output, setOutput] = useState('')
  const [error, setError] = useState<unknown>()
  const manage = can(me.principal, 'prices:manage')

  async function create(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    try {
      const body: Record<string, unknown> = {
        model: model.trim(),
        inputPerMTok: Number(input),
        outputPerMTok: Number(output),
      }
      if (provider.trim()) body.provider = provider.trim()
      await post('/api/v1/prices', body)
      setProvider('')
      setModel('')
      setInput('')
      setOutput('')
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  async function remove(p: PriceRow) {
    setError(undefined)
    try {
      await del(`/api/v1/prices/${encodeURIComponent(p.id ?? p.model)}`)
      list.reload()
    } catch (err) {
      setError(err)
    }
  }

  return (
    <section className="card stack" aria-labelledby="prices-h">
      <h2 id="prices-h">Price overrides</h2>
      <p className="muted">
        Latchkey prices calls from a public price list; override it for negotiated or self-hosted rates (USD
        per million tokens).
      </p>
      <ErrorNotice error={list.error ?? error} />
      {(list.data?.data ?? []).length === 0 ? (
        <p className="muted">No overrides.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Input / M
              </th>
              <th scope="col" className="num">
                Output / M
              </th>
              {manage && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {(list.data?.data ?? []).map((p) => (
              <tr key={p.id ?? p.model}>
                <td>{p.provider && p.provider !== '*' ? p.provider : 'any'}</td>
                <td className="mono">{p.model === '*' ? 'every model' : p.model}</td>
                <td className="num">{usd(p.inputPerMTok ?? null)}</td>
                <td className="num">{usd(p.outputPerMTok ?? null)}</td>
                {manage && (
                  <td className="actions">
                    <button type="button" className="btn btn-sm btn-danger" onClick={() => void remove(p)}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <form className="row wrap align-end" onSubmit={create} aria-label="Add a price override">
          <Field label="Provider kind (optional)" hint="e.g. openai, ollama; empty = any">
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                value={provider}
                onChange={(e) => setProvider(e.target.value)}
              />
            )}
          </Field>
          <Field label="Model" hint="Upstream model id, or * for all">
            {(id) => (
              <input
                id={id}
                required
                placeholder="llama3.1:8b"
                value={model}
                onChange={(e) => setModel(e.target.value)}
              />
            )}
          </Field>
          <Field label="Input USD / M tokens">
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                step="0.0001"
                required
                value={input}
                onChange={(e) => setInput(e.target.value)}
              />
            )}
          </Field>
          <Field label="Output USD / M tokens">
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                step="0.0001"
                required
                value={output}
                onChange={(e) => setOutput(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="btn btn-primary">
            Add override
          </button>
        </form>
      )}
    </section>
  )
}
