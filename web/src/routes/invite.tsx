/** Invite acceptance: the token sits in the URL fragment (`/invite#token=…`), never in server logs. */
import { type FormEvent, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { post } from '../api/client.js'
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
  const action = useAction()
  const mismatch = confirm !== '' && confirm !== password

  function submit(e: FormEvent) {
    e.preventDefault()
    if (mismatch || password.length < MIN_PASSWORD) return
    void action.run(async () => {
      const answer = await post<{ csrfToken?: string }>('/api/v1/invites/accept', { token, password })
      // Drop the token from the address bar and history.
      history.replaceState(null, '', '/invite')
      await adopt(answer)
      navigate('/chat', { replace: true })
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
          <ErrorNotice error={action.error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={action.busy || mismatch}>
            {action.busy ? 'Joining…' : 'Join'}
          </button>
        </form>
      )}
    </AuthCard>
  )
}
