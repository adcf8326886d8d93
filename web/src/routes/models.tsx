/**
 * Models: every model the signed-in person may use, from the gateway's discovery (all kinds,
 * route aliases too), with its key, kind, region, capabilities, context window and price;
 * below, the "Connect an app" snippets.
 * @module
 */
import { useState } from 'react'
import { get } from '../api/client.js'
import type { ModelEntry, Page } from '../api/types.js'
import { ConnectPanel } from '../components/connect-panel.js'
import { num, Table } from '../components/table.js'
import { Badge, Empty, PageHeader, PageList } from '../components/ui.js'
import { count } from '../lib/format.js'
import { CATEGORY_LABEL } from '../lib/models.js'
import { useAsync } from '../lib/use-async.js'
import '../pages.css'

const CAPS = ['chat', 'tools', 'vision', 'embeddings'] as const

/** USD per million tokens, short: $0.15, $3, $0.0375. */
function perM(v: number): string {
  return `$${v < 0.1 ? Number(v.toPrecision(3)) : Number(v.toFixed(2))}`
}

export function ModelsPage() {
  const list = useAsync((signal) => get<Page<ModelEntry>>('/api/v1/models', { signal }), [])
  const [q, setQ] = useState('')
  const [cap, setCap] = useState('')
  const all = list.data?.data ?? []
  const rows = all
    .filter((m) => !cap || m.capabilities.includes(cap))
    .filter(
      (m) => !q || `${m.id} ${m.provider ?? ''} ${m.region ?? ''}`.toLowerCase().includes(q.toLowerCase()),
    )
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id))
  return (
    <div className="page">
      <PageHeader
        title="Models"
        subtitle="Every model you may call through this server: the keys you can use, and the org's route aliases."
      />
      <div className="row wrap align-end filters">
        <div className="field">
          <label htmlFor="models-q">Search</label>
          <input
            id="models-q"
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="name, kind, region"
          />
        </div>
        <div className="field">
          <label htmlFor="models-cap">Can do</label>
          <select id="models-cap" value={cap} onChange={(e) => setCap(e.target.value)}>
            <option value="">anything</option>
            {CAPS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <span className="muted small">
          {rows.length} of {all.length}
        </span>
      </div>
      <PageList
        state={list}
        empty={rows.length === 0}
        ifEmpty={
          <Empty title={all.length ? 'No model matches' : 'No models yet'}>
            {all.length
              ? 'Change the search or the capability filter.'
              : 'Add a provider key (or ask an admin to grant you one) and its models appear here.'}
          </Empty>
        }
      >
        <Table
          wrap
          columns={[
            'Model',
            'Key',
            'Kind',
            'Region',
            'Capabilities',
            num('Context'),
            num('Price / M in · out'),
          ]}
        >
          {rows.map((m) => (
            <tr key={m.id}>
              <td>
                <strong className="mono">{m.kind === 'route' ? m.id : m.upstreamModel}</strong>
              </td>
              <td>{m.kind === 'route' ? <Badge tone="info">route alias</Badge> : m.credential}</td>
              <td>
                {m.provider ?? '—'}{' '}
                {m.category && <Badge tone={m.category}>{CATEGORY_LABEL[m.category]}</Badge>}
              </td>
              <td>{m.region ?? '—'}</td>
              <td>
                <span className="caps">
                  {m.capabilities.length
                    ? m.capabilities.map((c) => (
                        <Badge key={c} tone={c === 'embeddings' ? 'warn' : 'neutral'}>
                          {c}
                        </Badge>
                      ))
                    : m.mode}
                </span>
              </td>
              <td className="num">{m.contextWindow ? count(m.contextWindow) : '—'}</td>
              <td className="num" title={m.price ? `price from ${m.price.source}` : 'no known price'}>
                {m.price ? `${perM(m.price.input)} · ${perM(m.price.output)}` : '—'}
              </td>
            </tr>
          ))}
        </Table>
      </PageList>
      <ConnectPanel models={all} />
    </div>
  )
}
