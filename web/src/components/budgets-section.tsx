/** Budgets: spend limits per org, workspace, user, key or token; checked before each call. */
import { del, post } from '../api/client.js'
import { useMe } from '../api/session.js'
import type { Budget } from '../api/types.js'
import { usd } from '../lib/format.js'
import { type TargetKind, targetOptions } from '../lib/key-labels.js'
import { can } from '../lib/roles.js'
import { useAsync } from '../lib/use-async.js'
import { useForm } from '../lib/use-form.js'
import { useList } from '../lib/use-list.js'
import { InlineForm, InputField, SelectField } from './form-fields.js'
import { DangerCell, num, Table } from './table.js'
import { ErrorNotice, Listing, Section } from './ui.js'

const SCOPES = [
  { value: 'org', label: 'Organisation' },
  { value: 'workspace', label: 'Workspace' },
  { value: 'user', label: 'User' },
  { value: 'credential', label: 'Key' },
  { value: 'token', label: 'Access token' },
]
const scopeLabel = (scope: string | undefined) => SCOPES.find((x) => x.value === scope)?.label ?? scope ?? ''
const PERIODS = [
  { value: 'day', label: 'Daily' },
  { value: 'month', label: 'Monthly' },
]

export function BudgetsSection() {
  const me = useMe()
  const budgets = useList<Budget>('/api/v1/budgets')
  const [form, set, reset] = useForm({ scope: 'org', scopeId: '', period: 'month', limit: '' })
  const manage = can(me.principal, 'budgets:manage')
  // The target is picked by name from what the caller may see, never typed as an id.
  const targets = useAsync(
    (signal) =>
      form.scope === 'org' ? Promise.resolve([]) : targetOptions(form.scope as TargetKind, signal),
    [form.scope],
  )
  const options = targets.data ?? []
  const picked = options.some((o) => o.value === form.scopeId) ? form.scopeId : (options[0]?.value ?? '')

  const create = () =>
    budgets.change(async () => {
      const body: Record<string, unknown> = {
        scope: form.scope,
        period: form.period,
        limitUsd: Number(form.limit),
      }
      if (form.scope !== 'org') body.scopeId = picked
      await post('/api/v1/budgets', body)
      reset('limit', 'scopeId')
    })

  return (
    <Section id="budgets-h" title="Budgets" className="card stack">
      <p className="muted">Calls that would pass a budget are refused before they reach the provider.</p>
      <ErrorNotice error={budgets.error} />
      <Listing empty={budgets.rows.length === 0} ifEmpty="No budgets.">
        <Table columns={['Scope', 'Period', num('Spent'), num('Limit')]} actions={manage}>
          {budgets.rows.map((b) => (
            <tr key={b.id}>
              <td title={b.scopeId ?? undefined}>
                {b.scope === 'org'
                  ? 'Organisation'
                  : `${scopeLabel(b.scope)} ${b.scopeName ?? b.scopeId ?? ''}`}
              </td>
              <td>{b.period}</td>
              <td className="num">{usd(b.spentUsd ?? null)}</td>
              <td className="num">{usd(b.limitUsd ?? null)}</td>
              {manage && (
                <DangerCell
                  label="Delete"
                  onClick={() => void budgets.change(() => del(`/api/v1/budgets/${b.id}`))}
                />
              )}
            </tr>
          ))}
        </Table>
      </Listing>
      {manage && (
        <InlineForm label="Add a budget" submit="Add budget" onSubmit={create}>
          <SelectField label="Scope" value={form.scope} onChange={set('scope')} options={SCOPES} />
          {form.scope !== 'org' && (
            <SelectField
              label={scopeLabel(form.scope)}
              required
              value={picked}
              onChange={set('scopeId')}
              options={options}
              disabled={options.length === 0}
            />
          )}
          <SelectField label="Period" value={form.period} onChange={set('period')} options={PERIODS} />
          <InputField
            label="Limit (USD)"
            type="number"
            min={0}
            step="0.000001"
            required
            value={form.limit}
            onChange={set('limit')}
          />
        </InlineForm>
      )}
    </Section>
  )
}
