/**
 * Invite acceptance: the token sits in the URL fragment (`/invite#token=…`), never in server
 * logs. A new account chooses a password; an email that already has an account joins with its
 * current password (the server answers `existing_account` and the form switches to that).
 */
import { type FormEvent, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { ApiError, post } from '../api/client.js'
import { useSession } from '../api/session.js'
import { AuthCard } from '../components/auth-card.js'
import { InputField } from '../components/form-fields.js'
import { ErrorNotice } from '../components/ui.js'
import { useAction } from '../lib/use-action.js'

const MIN_PASSWORD = 12

export function InvitePage() {
  const { adopt } = useSession()
  const navigate = useNavigate()
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? ''
  const [password, setPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const [existing, setExisting] = useState(false)
  const action = useAction()
  const mismatch = !existing && confirm !== '' && confirm !== password

  function submit(e: FormEvent) {
    e.preventDefault()
    if (mismatch || (!existing && password.length < MIN_PASSWORD)) return
    void action.run(async () => {
      try {
        const answer = await post<{ csrfToken?: string }>('/api/v1/invites/accept', { token, password })
        // Drop the token from the address bar and history.
        history.replaceState(null, '', '/invite')
        await adopt(answer)
        navigate('/chat', { replace: true })
      } catch (err) {
        if (err instanceof ApiError && err.code === 'existing_account' && !existing) {
          // First time: switch the form rather than show an error for a password never asked for.
          setExisting(true)
          setPassword('')
          setConfirm('')
          return
        }
        throw err
      }
    })
  }

  return (
    <AuthCard title="Accept your invite">
      {!token ? (
        <>
          <p>
            This link has no invite token. Open the full link from your invite, or ask an admin for a new one.
          </p>
          <Link to="/sign-in">Go to sign-in</Link>
        </>
      ) : (
        <form onSubmit={submit} className="stack">
          {existing ? (
            <>
              <p className="muted">
                This email already has a Latchkey account. Enter its current password to join; the password
                stays as it is.
              </p>
              <InputField
                label="Current password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={setPassword}
              />
            </>
          ) : (
            <>
              <p className="muted">Choose a password to finish setting up your account.</p>
              <InputField
                label="New password"
                hint={`At least ${MIN_PASSWORD} characters.`}
                type="password"
                autoComplete="new-password"
                minLength={MIN_PASSWORD}
                required
                value={password}
                onChange={setPassword}
              />
              <InputField
                label="Confirm password"
                error={mismatch ? 'The passwords differ.' : undefined}
                type="password"
                autoComplete="new-password"
                required
                aria-invalid={mismatch}
                value={confirm}
                onChange={setConfirm}
              />
            </>
          )}
          <ErrorNotice error={action.error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={action.busy || mismatch}>
            {action.busy ? 'Joining…' : 'Join'}
          </button>
        </form>
      )}
    </AuthCard>
  )
}
