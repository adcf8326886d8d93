/** Price overrides (USD per million tokens) for models the public price list lacks or prices differently. */
import { del, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import { usd } from '../lib/format.js'
import { can } from '../lib/roles.js'
import { useForm } from '../lib/use-form.js'
import { useList } from '../lib/use-list.js'
import { InlineForm, InputField } from './form-fields.js'
import { DangerCell, num, Table } from './table.js'
import { ErrorNotice, Listing, Section } from './ui.js'

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
  const prices = useList<PriceRow>('/api/v1/prices')
  const [form, set, reset] = useForm({ provider: '', model: '', input: '', output: '' })
  const manage = can(me.principal, 'prices:manage')

  const create = () =>
    prices.change(async () => {
      const body: Record<string, unknown> = {
        model: form.model.trim(),
        inputPerMTok: Number(form.input),
        outputPerMTok: Number(form.output),
      }
      if (form.provider.trim()) body.provider = form.provider.trim()
      await post('/api/v1/prices', body)
      reset()
    })

  return (
    <Section id="prices-h" title="Price overrides" className="card stack">
      <p className="muted">
        Latchkey prices calls from a public price list; override it for negotiated or self-hosted rates (USD
        per million tokens).
      </p>
      <ErrorNotice error={prices.error} />
      <Listing empty={prices.rows.length === 0} ifEmpty="No overrides.">
        <Table columns={['Provider', 'Model', num('Input / M'), num('Output / M')]} actions={manage}>
          {prices.rows.map((p) => (
            <tr key={p.id ?? p.model}>
              <td>{p.provider && p.provider !== '*' ? p.provider : 'any'}</td>
              <td className="mono">{p.model === '*' ? 'every model' : p.model}</td>
              <td className="num">{usd(p.inputPerMTok ?? null)}</td>
              <td className="num">{usd(p.outputPerMTok ?? null)}</td>
              {manage && (
                <DangerCell
                  label="Delete"
                  onClick={() =>
                    void prices.change(() => del(`/api/v1/prices/${encodeURIComponent(p.id ?? p.model)}`))
                  }
                />
              )}
            </tr>
          ))}
        </Table>
      </Listing>
      {manage && (
        <InlineForm label="Add a price override" submit="Add override" onSubmit={create}>
          <InputField
            label="Provider kind (optional)"
            hint="e.g. openai, ollama; empty = any"
            value={form.provider}
            onChange={set('provider')}
          />
          <InputField
            label="Model"
            hint="Upstream model id, or * for all"
            required
            placeholder="llama3.1:8b"
            value={form.model}
            onChange={set('model')}
          />
          <RateField label="Input USD / M tokens" value={form.input} onChange={set('input')} />
          <RateField label="Output USD / M tokens" value={form.output} onChange={set('output')} />
        </InlineForm>
      )}
    </Section>
  )
}

/** A price in USD per million tokens. */
function RateField({
  label,
  value,
  onChange,
}: {
  label: string
  value: string
  onChange: (v: string) => void
}) {
  return (
    <InputField
      label={label}
      type="number"
      min={0}
      step="0.0001"
      required
      value={value}
      onChange={onChange}
    />
  )
}
