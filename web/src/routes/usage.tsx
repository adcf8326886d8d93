/** Usage: spend and tokens over time by model, credential, user or workflow; budgets; CSV. */
import { useMemo, useState } from 'react'
import { get, qs } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Budget, Page, UsageRow } from '../api/types.js'
import { SelectField } from '../components/form-fields.js'
import { num, Table } from '../components/table.js'
import { Empty, ErrorNotice, Listing, PageHeader, Section } from '../components/ui.js'
import { UsageChart } from '../components/usage-chart.js'
import { download, toCsv } from '../lib/csv.js'
import { count, usd } from '../lib/format.js'
import { labelFor } from '../lib/key-labels.js'
import { can } from '../lib/roles.js'
import { budgetLevel, byKey, METRIC_LABEL, type Metric, toSeries, totals } from '../lib/usage.js'
import { useAsync } from '../lib/use-async.js'

type GroupBy = 'credential-model' | 'model' | 'credential' | 'user' | 'workflow' | 'workspace' | 'provider'
/** What each grouping is called here: "model" is the model as people address it, key name/model. */
const GROUP_LABEL: Record<GroupBy, string> = {
  'credential-model': 'model',
  model: 'provider kind and model',
  credential: 'key',
  provider: 'provider kind',
  user: 'user',
  workspace: 'workspace',
  workflow: 'workflow',
}
const RANGES = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 } as const
type Range = keyof typeof RANGES

export function UsagePage() {
  const me = useMe()
  const [groupBy, setGroupBy] = useState<GroupBy>('credential-model')
  const [range, setRange] = useState<Range>('7d')
  const [metric, setMetric] = useState<Metric>('costUsd')
  const [now] = useState(() => Date.now())
  const from = now - RANGES[range] * 86_400_000
  const bucket = range === '24h' ? 'hour' : 'day'
  const usage = useAsync(
    (signal) =>
      get<Page<UsageRow> & { series?: UsageRow[] }>(
        `/api/v1/usage${qs({ groupBy, from: new Date(from).toISOString(), to: new Date(now).toISOString(), bucket })}`,
        { signal },
      ),
    [groupBy, from, now, bucket],
  )
  const budgets = useAsync((signal) => get<Page<Budget>>('/api/v1/budgets', { signal }), [])

  const rows = usage.data?.data ?? []
  const buckets = usage.data?.series
  // The server names each key (key, user, token, workflow…); ids stay the grouping.
  const labels = useMemo(
    () => new Map([...rows, ...(buckets ?? [])].map((r) => [r.key, String(r.label ?? r.key)])),
    [rows, buckets],
  )
  const stepMs = bucket === 'hour' ? 3_600_000 : 86_400_000
  const series = useMemo(() => {
    const s = toSeries(buckets ?? rows, metric, 8, { from, to: now, stepMs })
    return s && { ...s, keys: s.keys.map((k) => (k === 'other' ? k : labelFor(labels, k))) }
  }, [buckets, rows, metric, from, now, stepMs, labels])
  const keyed = useMemo(() => byKey(rows), [rows])
  const t = totals(rows)
  const unpriced = rows.reduce((a, r) => a + Number(r.unpricedRequests ?? 0), 0)
  const fmt = useMemo(() => (metric === 'costUsd' ? usd : (v: number) => count(v)), [metric])
  const groups: GroupBy[] = can(me.principal, 'usage:read-all')
    ? ['credential-model', 'credential', 'model', 'provider', 'user', 'workspace', 'workflow']
    : ['credential-model', 'credential', 'model', 'provider', 'workflow']

  return (
    <div className="page page-wide">
      <PageHeader
        title="Usage"
        subtitle={
          can(me.principal, 'usage:read-all') ? 'Everything in your organisation.' : 'Your own calls.'
        }
        actions={
          <button
            type="button"
            className="btn"
            disabled={keyed.length === 0}
            onClick={() =>
              download(
                `latchkey-usage-${groupBy}-${range}.csv`,
                toCsv((buckets ?? rows) as unknown as Record<string, unknown>[]),
              )
            }
          >
            Export CSV
          </button>
        }
      />
      <div className="row wrap align-end toolbar">
        <SelectField
          label="Group by"
          value={groupBy}
          onChange={setGroupBy}
          options={groups.map((g) => ({ value: g, label: GROUP_LABEL[g] }))}
        />
        <SelectField
          label="Period"
          value={range}
          onChange={setRange}
          options={Object.keys(RANGES).map((r) => ({ value: r, label: `Last ${r}` }))}
        />
        <SelectField
          label="Show"
          value={metric}
          onChange={setMetric}
          options={(Object.keys(METRIC_LABEL) as Metric[]).map((m) => ({ value: m, label: METRIC_LABEL[m] }))}
        />
      </div>
      <div className="kpis">
        <Kpi label="Spend" value={usd(t.costUsd)} />
        <Kpi label="Requests" value={count(t.requests)} />
        <Kpi label="Input tokens" value={count(t.inputTokens)} />
        <Kpi label="Output tokens" value={count(t.outputTokens)} />
      </div>
      {unpriced > 0 && (
        <p className="muted small">
          {unpriced} call{unpriced === 1 ? ' has' : 's have'} no known price and{' '}
          {unpriced === 1 ? 'is' : 'are'} not in the spend; add a price override under Settings.
        </p>
      )}
      <ErrorNotice error={usage.error} onRetry={usage.reload} />
      <Section id="chart-h" title={`${METRIC_LABEL[metric]} by ${GROUP_LABEL[groupBy]}`}>
        <Listing
          loading={usage.loading && !usage.data}
          empty={rows.length === 0}
          ifEmpty={
            <Empty title="No usage in this period">
              Calls through the gateway, chat, compare and workflows show up here.
            </Empty>
          }
        >
          {series ? (
            <UsageChart
              series={series}
              label={`${METRIC_LABEL[metric]} by ${GROUP_LABEL[groupBy]} over time`}
              format={fmt}
            />
          ) : (
            <Bars
              rows={keyed.map((r) => ({ ...r, key: labelFor(labels, r.key) }))}
              metric={metric}
              format={fmt}
            />
          )}
        </Listing>
      </Section>
      {keyed.length > 0 && (
        <Section id="table-h" title={`Totals by ${GROUP_LABEL[groupBy]}`}>
          <Table
            columns={[
              GROUP_LABEL[groupBy],
              num('Requests'),
              num('Input tokens'),
              num('Output tokens'),
              num('Spend'),
            ]}
          >
            {keyed.map((r) => (
              <tr key={r.key}>
                <td className="mono" title={r.key}>
                  {labelFor(labels, r.key)}
                </td>
                <td className="num">{count(r.requests)}</td>
                <td className="num">{count(r.inputTokens)}</td>
                <td className="num">{count(r.outputTokens)}</td>
                <td className="num">{usd(r.costUsd)}</td>
              </tr>
            ))}
          </Table>
        </Section>
      )}
      <Section id="budgets-h" title="Budgets">
        <ErrorNotice error={budgets.error} />
        <Listing
          empty={(budgets.data?.data ?? []).length === 0}
          ifEmpty="No budgets set. Admins add them under Settings."
        >
          <ul className="budgets">
            {(budgets.data?.data ?? []).map((b) => {
              const spent = Number(b.spentUsd ?? 0)
              const limit = Number(b.limitUsd ?? 0)
              const lv = budgetLevel(spent, limit)
              return (
                <li key={b.id}>
                  <div className="row between">
                    <span>
                      <strong>{b.name ?? `${b.scope ?? 'org'} budget`}</strong>{' '}
                      <span className="muted small" title={b.scopeId ?? undefined}>
                        {b.scope}
                        {b.scope !== 'org' ? ` ${b.scopeName ?? b.scopeId ?? ''}` : ''} ·{' '}
                        {b.period ?? 'monthly'}
                      </span>
                    </span>
                    <span>
                      {usd(spent)} of {usd(limit)}
                    </span>
                  </div>
                  <meter
                    className={`bar bar-${lv.tone}`}
                    min={0}
                    max={1}
                    low={0.8}
                    high={0.99}
                    optimum={0}
                    value={Math.min(lv.ratio, 1)}
                    aria-label={`${b.name ?? 'budget'}: ${Math.round(lv.ratio * 100)}% used`}
                  />
                </li>
              )
            })}
          </ul>
        </Listing>
      </Section>
    </div>
  )
}

function Kpi({ label, value }: { label: string; value: string }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
    </div>
  )
}

/** Totals without time buckets: horizontal bars (plain CSS, widths through the CSSOM). */
function Bars({ rows, metric, format }: { rows: UsageRow[]; metric: Metric; format: (v: number) => string }) {
  const val = (r: UsageRow) => (metric === 'tokens' ? r.inputTokens + r.outputTokens : Number(r[metric] ?? 0))
  const max = Math.max(...rows.map(val), 1e-9)
  return (
    <ul className="hbars">
      {rows.slice(0, 12).map((r) => (
        <li key={r.key}>
          <span className="mono hbar-key">{r.key || '—'}</span>
          <span className="hbar-track">
            <span className="hbar" style={{ width: `${(val(r) / max) * 100}%` }} />
          </span>
          <span className="num">{format(val(r))}</span>
        </li>
      ))}
    </ul>
  )
}
