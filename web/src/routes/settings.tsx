/** Org settings (egress, content storage, retention, CORS), budgets and price overrides. */
import { type FormEvent, useEffect, useState } from 'react'
import { get, patch } from '../api/client.js'
import { useMe } from '../api/session.js'
import { BudgetsSection } from '../components/budgets-section.js'
import { InputField, SelectField, SubmitRow, TextAreaField } from '../components/form-fields.js'
import { PricesSection } from '../components/prices-section.js'
import { ErrorNotice, Notice, PageHeader, Spinner } from '../components/ui.js'
import { can } from '../lib/roles.js'
import { useAction } from '../lib/use-action.js'
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
  const action = useAction()
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
    setSaved(false)
    await action.run(async () => {
      const body: Record<string, unknown> = {
        egress: draft.egress,
        storeContent: draft.storeContent,
        corsOrigins: cors.split(/[\s,]+/).filter(Boolean),
      }
      if (draft.retentionDays) body.retentionDays = draft.retentionDays
      s.setData(await patch<OrgSettings>('/api/v1/settings', body))
      setSaved(true)
    })
  }

  if (!draft) return s.error ? <ErrorNotice error={s.error} onRetry={s.reload} /> : <Spinner />
  return (
    <form className="card stack" onSubmit={save} aria-labelledby="org-h">
      <h2 id="org-h">Organisation policy</h2>
      {!owner && <p className="muted">Only owners change these.</p>}
      <fieldset disabled={!owner} className="stack">
        <SelectField
          label="Outbound network (egress)"
          hint={`${EGRESS_HELP[draft.egress]} The server's own limit is "${draft.ceiling.egress}": settings can only tighten it.`}
          value={draft.egress}
          onChange={(egress) => setDraft({ ...draft, egress })}
          options={draft.ceiling.egressChoices}
        />
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
        <InputField
          label="Retention (days)"
          hint="How long usage and stored content are kept."
          type="number"
          min={1}
          max={3650}
          value={String(draft.retentionDays ?? '')}
          onChange={(v) => setDraft({ ...draft, retentionDays: v ? Number(v) : null })}
        />
        <TextAreaField
          label="Browser origins allowed to call the API (CORS)"
          hint="One origin per line, e.g. https://app.example.com"
          rows={3}
          className="mono"
          value={cors}
          onChange={setCors}
        />
      </fieldset>
      <ErrorNotice error={action.error} />
      {saved && <Notice kind="success">Settings saved.</Notice>}
      {owner && <SubmitRow label="Save settings" />}
    </form>
  )
}
