/** Invite acceptance: the token sits in the URL fragment (`/invite#token=…`), never in server logs. */
import { type FormEvent, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { post } from '../api/client.js'
import { useSession } from '../api/session.js'
import { ErrorNotice, Field } from '../components/ui.js'

const MIN_PASSWORD = 12

export function InvitePage() {
  const { adopt } = useSession()
  const navigate = useNavigate()
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? ''
  const [password, setPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()
  const mismatch = confirm !== '' && confirm !== password

  async function submit(e: FormEvent) {
    e.preventDefault()
    if (mismatch || password.length < MIN_PASSWORD) return
    setBusy(true)
    setError(undefined)
    try {
      const answer = await post<{ csrfToken?: string }>('/api/v1/invites/accept', { token, password })
      // Drop the token from the address bar and history.
      history.replaceState(null, '', '/invite')
      await adopt(answer)
      navigate('/chat', { replace: true })
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="auth-page">
      <div className="auth-card">
        <div className="brand brand-lg">
          <img src="/favicon.svg" alt="" width="36" height="36" />
          <span>Latchkey</span>
        </div>
        <h1>Accept your invite</h1>
        {!token ? (
          <>
            <p>
              This link has no invite token. Open the full link from your invite, or ask an admin for a new
              one.
            </p>
            <Link to="/sign-in">Go to sign-in</Link>
          </>
        ) : (
          <form onSubmit={submit} className="stack">
            <p className="muted">Choose a password to finish setting up your account.</p>
            <Field label="New password" hint={`At least ${MIN_PASSWORD} characters.`}>
              {(id, d) => (
                <input
                  id={id}
                  type="password"
                  autoComplete="new-password"
                  minLength={MIN_PASSWORD}
                  required
                  aria-describedby={d}
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              )}
            </Field>
            <Field label="Confirm password" error={mismatch ? 'The passwords differ.' : undefined}>
              {(id, d) => (
                <input
                  id={id}
                  type="password"
                  autoComplete="new-password"
                  required
                  aria-describedby={d}
                  aria-invalid={mismatch}
                  value={confirm}
                  onChange={(e) => setConfirm(e.target.value)}
                />
              )}
            </Field>
            <ErrorNotice error={error} />
            <button type="submit" className="btn btn-primary btn-block" disabled={busy || mismatch}>
              {busy ? 'Joining…' : 'Join'}
            </button>
          </form>
        )}
      </div>
    </div>
  )
}
