/** Price overrides (USD per million tokens) for models the public price list lacks or prices differently. */
import { type FormEvent, useState } from 'react'
import { del, get, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Page } from '../api/types.js'
import { usd } from '../lib/format.js'
import { can } from '../lib/roles.js'
import { useAsync } from '../lib/use-async.js'
import { ErrorNotice, Field } from './ui.js'

interface PriceRow {
  id?: string
  provider?: string | null
  model: string
  inputPerMTok?: number
  outputPerMTok?: number
  source?: string
  [k: string]: unknown
}

export function PricesSection() {
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
