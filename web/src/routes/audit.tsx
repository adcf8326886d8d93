/** Audit: shape-only records (who, which key and model, sizes, status, cost), chain verification, export. */
import { type FormEvent, Fragment, useState } from 'react'
import { get, qs, request } from '../api/client.js'
import type { AuditRecord } from '../api/types.js'
import { InputField, SelectField } from '../components/form-fields.js'
import { num, Table } from '../components/table.js'
import {
  Badge,
  Empty,
  ErrorNotice,
  errorText,
  Listing,
  Notice,
  PageHeader,
  StatusBadge,
} from '../components/ui.js'
import { actorName, csvRows, modelName, type Names, withoutInternal } from '../lib/audit-view.js'
import { download, toCsv } from '../lib/csv.js'
import { dateTime, ms, shape, shortDateTime, usd } from '../lib/format.js'
import { targetOptions } from '../lib/key-labels.js'
import { useAsync } from '../lib/use-async.js'

type AuditPage = { data: AuditRecord[]; nextCursor?: string | null; names?: Names }

interface Filters {
  action: string
  actor: string
  model: string
  credentialId: string
  from: string
  to: string
}

const EMPTY: Filters = { action: '', actor: '', model: '', credentialId: '', from: '', to: '' }
const PAGE = 100

type Verify =
  | { ok: true; count: number; checkpoints?: { checked: number } | 'skipped' }
  | { ok: false; brokenAt?: unknown; reason?: string; count?: number }

function query(f: Filters, after?: string | null) {
  return qs({
    limit: PAGE,
    action: f.action.trim(),
    actor: f.actor.trim(),
    model: f.model.trim(),
    credentialId: f.credentialId.trim(),
    from: f.from ? new Date(f.from).getTime() : undefined,
    to: f.to ? new Date(f.to).getTime() : undefined,
    after,
  })
}

export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY)
  const [filters, setFilters] = useState<Filters>(EMPTY)
  const [more, setMore] = useState<AuditRecord[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [verify, setVerify] = useState<Verify | null>(null)
  const [verifyErr, setVerifyErr] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const [open, setOpen] = useState<string | null>(null)
  const [moreNames, setMoreNames] = useState<Names>({})
  const list = useAsync(
    async (signal) => {
      const r = await get<AuditPage>(`/api/v1/audit${query(filters)}`, { signal })
      setMore([])
      setMoreNames({})
      setCursor(r.nextCursor ?? null)
      return r
    },
    [filters],
  )
  // Filters pick actors and keys by name; the lists are what this reader may see.
  const pickers = useAsync(async (signal) => {
    const [users, tokens, keys] = await Promise.all([
      targetOptions('user', signal),
      targetOptions('token', signal),
      targetOptions('credential', signal),
    ])
    return { actors: [...users, ...tokens.map((t) => ({ ...t, label: `${t.label} (token)` }))], keys }
  }, [])

  const rows = [...(list.data?.data ?? []), ...more]
  const names: Names = { ...list.data?.names, ...moreNames }

  async function loadMore() {
    const r = await get<AuditPage>(`/api/v1/audit${query(filters, cursor)}`)
    setMore((m) => [...m, ...r.data])
    setMoreNames((n) => ({ ...n, ...r.names }))
    setCursor(r.nextCursor ?? null)
  }

  async function exportChain() {
    setVerifyErr(undefined)
    try {
      const res = await request('GET', '/api/v1/audit/export')
      download('latchkey-audit-chain.jsonl', await res.text(), 'application/x-ndjson')
    } catch (e) {
      setVerifyErr(e)
    }
  }

  async function runVerify() {
    setBusy(true)
    setVerify(null)
    setVerifyErr(undefined)
    try {
      setVerify(await get<Verify>('/api/v1/audit/verify'))
    } catch (e) {
      setVerifyErr(e)
    } finally {
      setBusy(false)
    }
  }

  function apply(e: FormEvent) {
    e.preventDefault()
    setFilters(draft)
  }

  const set = (k: keyof Filters) => (v: string) => setDraft({ ...draft, [k]: v })
  return (
    <div className="page page-wide">
      <PageHeader
        title="Audit"
        subtitle="Every call and change, as shape only: never prompt or output text. Records are hash-chained."
        actions={
          <>
            <button
              type="button"
              className="btn"
              title="Every record with its hashes, oldest first: verifiable offline"
              onClick={() => void exportChain()}
            >
              Export chain (JSONL)
            </button>
            <button
              type="button"
              className="btn"
              disabled={rows.length === 0}
              onClick={() => download('latchkey-audit.csv', toCsv(csvRows(rows, names)))}
            >
              Export shown (CSV)
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => void runVerify()}
            >
              {busy ? 'Verifying…' : 'Verify chain'}
            </button>
          </>
        }
      />
      {verify?.ok === true && (
        <Notice kind="success" onClose={() => setVerify(null)}>
          Chain verified: {verify.count} record{verify.count === 1 ? '' : 's'}, every hash links to the one
          before.
          {typeof verify.checkpoints === 'object' && verify.checkpoints.checked > 0
            ? ` It matches ${verify.checkpoints.checked} signed checkpoint${verify.checkpoints.checked === 1 ? '' : 's'} kept outside the database.`
            : ''}
        </Notice>
      )}
      {verify && verify.ok === false && (
        <Notice kind="error" onClose={() => setVerify(null)}>
          Chain broken at {JSON.stringify(verify.brokenAt)}
          {verify.reason ? `: ${verify.reason}` : ''}. Records may have been altered or deleted.
        </Notice>
      )}
      {verifyErr ? <Notice>{errorText(verifyErr)}</Notice> : null}
      <form className="card row wrap align-end toolbar" onSubmit={apply} aria-label="Filters">
        <InputField
          label="Action"
          placeholder="e.g. credential.created"
          value={draft.action}
          onChange={set('action')}
        />
        <SelectField
          label="Actor"
          value={draft.actor}
          onChange={set('actor')}
          options={[{ value: '', label: 'Anyone' }, ...(pickers.data?.actors ?? [])]}
        />
        <InputField label="Model" value={draft.model} onChange={set('model')} />
        <SelectField
          label="Key"
          value={draft.credentialId}
          onChange={set('credentialId')}
          options={[{ value: '', label: 'Any key' }, ...(pickers.data?.keys ?? [])]}
        />
        <InputField label="From" type="datetime-local" value={draft.from} onChange={set('from')} />
        <InputField label="To" type="datetime-local" value={draft.to} onChange={set('to')} />
        <button type="submit" className="btn btn-primary">
          Apply
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            setDraft(EMPTY)
            setFilters(EMPTY)
          }}
        >
          Clear
        </button>
      </form>
      <ErrorNotice error={list.error} onRetry={list.reload} />
      <Listing
        loading={list.loading && !list.data}
        empty={rows.length === 0}
        ifEmpty={<Empty title="No records">Nothing matches these filters yet.</Empty>}
      >
        <Table
          columns={['#', 'Time', 'Actor', 'Action', 'Model', 'Status', 'Shape', num('Cost'), num('Latency')]}
          dense
          wrap
        >
          {rows.map((r) => (
            <Fragment key={r.id}>
              <tr>
                <td className="mono">
                  <button
                    type="button"
                    className="btn-link mono"
                    aria-expanded={open === r.id}
                    aria-label={`Details of record ${r.seq ?? r.id}`}
                    onClick={() => setOpen(open === r.id ? null : r.id)}
                  >
                    {r.seq ?? '•'}
                  </button>
                </td>
                <td className="nowrap" title={dateTime(r.ts)}>
                  {shortDateTime(r.ts)}
                </td>
                <td className="truncate" title={`${actorName(r, names)} · ${r.actor}`}>
                  {actorName(r, names)}
                </td>
                <td>
                  <Badge>{r.action}</Badge>
                </td>
                <td title={r.credentialId ?? undefined}>{modelName(r, names)}</td>
                <td>{r.status != null && <StatusBadge status={r.status} />}</td>
                <td className="small truncate" title={shape(withoutInternal(r.inputShape))}>
                  {shape(withoutInternal(r.inputShape))}
                </td>
                <td className="num">{r.costUsd != null ? usd(r.costUsd) : ''}</td>
                <td className="num">{r.latencyMs != null ? ms(r.latencyMs) : ''}</td>
              </tr>
              {open === r.id && (
                <tr className="detail-row">
                  <td colSpan={9}>
                    {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a long output scrolls; keyboard users scroll it by focusing it */}
                    <pre className="output" tabIndex={0}>
                      {JSON.stringify(withoutInternal({ ...r, names: pick(r, names) }), null, 2)}
                    </pre>
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </Table>
      </Listing>
      {cursor && (
        <div className="row center">
          <button type="button" className="btn" onClick={() => void loadMore()}>
            Load more
          </button>
        </div>
      )}
    </div>
  )
}

/** The names of this record's ids, shown in its details. */
function pick(r: AuditRecord, names: Names): Names {
  const out: Names = {}
  for (const id of [r.actor, r.credentialId, r.workspaceId, r.targetId])
    if (id && names[id]) out[id] = names[id]
  return out
}
