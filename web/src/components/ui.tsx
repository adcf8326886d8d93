/** Small shared pieces: notices, empty states, spinner, fields, badges, page header, card sections. */
import { type ReactNode, useId } from 'react'
import { ApiError } from '../api/client.js'
import type { AsyncState } from '../lib/use-async.js'

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 403) return `Not allowed: ${e.message}`
    return e.message
  }
  if (e instanceof Error) return e.message
  return String(e)
}

export function Notice({
  kind = 'error',
  children,
  onClose,
}: {
  kind?: 'error' | 'success' | 'info' | 'warning'
  children: ReactNode
  onClose?: () => void
}) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <div className="notice-body">{children}</div>
      {onClose && (
        <button type="button" className="btn-icon" aria-label="Dismiss" onClick={onClose}>
          ×
        </button>
      )}
    </div>
  )
}

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null
  return (
    <Notice>
      {errorText(error)}{' '}
      {onRetry && (
        <button type="button" className="btn-link" onClick={onRetry}>
          Try again
        </button>
      )}
    </Notice>
  )
}

export function Empty({
  title,
  children,
  action,
}: {
  title: string
  children?: ReactNode
  action?: ReactNode
}) {
  return (
    <div className="empty">
      <div className="empty-mark" aria-hidden="true">
        ◇
      </div>
      <h3>{title}</h3>
      {children && <p>{children}</p>}
      {action}
    </div>
  )
}

/** A list's states: a spinner while it first loads, `ifEmpty` when empty (a string reads as muted text), else the list. */
export function Listing({
  loading,
  empty,
  ifEmpty,
  children,
}: {
  loading?: boolean
  empty: boolean
  ifEmpty: ReactNode
  children: ReactNode
}) {
  if (loading) return <Spinner />
  if (empty) return typeof ifEmpty === 'string' ? <p className="muted">{ifEmpty}</p> : ifEmpty
  return children
}

/** A page's main list: its load error with a retry, a spinner on the first load, `ifEmpty` once it loaded empty. */
export function PageList({
  state,
  empty,
  ifEmpty,
  children,
}: {
  state: AsyncState<unknown>
  empty: boolean
  ifEmpty: ReactNode
  children: ReactNode
}) {
  return (
    <>
      <ErrorNotice error={state.error} onRetry={state.reload} />
      <Listing loading={state.loading && !state.data} empty={empty && !state.error} ifEmpty={ifEmpty}>
        {children}
      </Listing>
    </>
  )
}

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="spinner-wrap" role="status">
      <span className="spinner" aria-hidden="true" />
      <span className="sr-only">{label}</span>
    </div>
  )
}

export function PageHeader({
  title,
  subtitle,
  actions,
}: {
  title: string
  subtitle?: ReactNode
  actions?: ReactNode
}) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  )
}

/** A card with its heading, named by it for assistive tech (a landmark region). */
export function Section({
  id,
  title,
  className = 'card',
  children,
}: {
  /** The heading's id. */
  id: string
  title: ReactNode
  className?: string
  children: ReactNode
}) {
  return (
    <section className={className} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  )
}

interface FieldProps {
  label: string
  hint?: ReactNode
  error?: string
  children: (id: string, describedBy: string | undefined) => ReactNode
}

/** A labelled control: the label, hint and error are tied to the input for screen readers. */
export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId()
  const hintId = hint ? `${id}-hint` : undefined
  const errId = error ? `${id}-err` : undefined
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined
  return (
    <div className={`field${error ? ' field-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children(id, describedBy)}
      {hint && (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      )}
      {error && (
        <div id={errId} className="field-msg">
          {error}
        </div>
      )}
    </div>
  )
}

export function Badge({ tone = 'neutral', children }: { tone?: string; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>
}

const STATUS_TONE: Record<string, string> = {
  succeeded: 'ok',
  ok: 'ok',
  success: 'ok',
  running: 'info',
  queued: 'neutral',
  waiting_review: 'warn',
  failed: 'bad',
  error: 'bad',
  cancelled: 'neutral',
  rejected: 'bad',
  approved: 'ok',
}

export function StatusBadge({ status }: { status: string | number | null | undefined }) {
  const s = String(status ?? '—')
  const tone = STATUS_TONE[s] ?? (/^2\d\d$/.test(s) ? 'ok' : /^[45]\d\d$/.test(s) ? 'bad' : 'neutral')
  return <Badge tone={tone}>{s.replace('_', ' ')}</Badge>
}

/** A value shown once (new access token): copy button, and a reminder it will not come back. */
export function ShownOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const id = useId()
  return (
    <div className="shown-once" role="status">
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input id={id} readOnly value={value} className="mono" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="btn" onClick={() => navigator.clipboard?.writeText(value)}>
          Copy
        </button>
        <button type="button" className="btn btn-primary" onClick={onDone}>
          Done
        </button>
      </div>
      <p className="field-hint">Copy it now: Latchkey stores only a hash and cannot show it again.</p>
    </div>
  )
}
