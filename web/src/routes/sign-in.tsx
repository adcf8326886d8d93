/** Sign-in: email + password, or an access token; a first-run explanation when nobody exists yet. */
import { type FormEvent, useState } from 'react'
import { Navigate, useSearchParams } from 'react-router'
import { useSession } from '../api/session.js'
import { AuthCard } from '../components/auth-card.js'
import { InputField } from '../components/form-fields.js'
import { ErrorNotice, Spinner } from '../components/ui.js'
import { useAction } from '../lib/use-action.js'

type Mode = 'password' | 'token'

const SEEN = 'lk.signedInBefore'

/**
 * First visit from this browser: lead with the token sign-in and the bootstrap help. (The
 * server does not say whether any user exists: that would be an unauthenticated oracle.)
 */
function useFirstRun(): boolean {
  const [v] = useState(() => localStorage.getItem(SEEN) === null)
  return v
}

const MODES: { mode: Mode; label: string }[] = [
  { mode: 'password', label: 'Email and password' },
  { mode: 'token', label: 'Access token' },
]

export function SignInPage() {
  const { status, signInWithPassword, signInWithToken } = useSession()
  const [params] = useSearchParams()
  const firstRun = useFirstRun()
  const [mode, setMode] = useState<Mode>(firstRun ? 'token' : 'password')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [token, setToken] = useState('')
  const action = useAction()

  if (status === 'loading') return <Spinner />
  if (status === 'signed-in') {
    const next = params.get('next')
    return <Navigate to={next?.startsWith('/') && !next.startsWith('//') ? next : '/chat'} replace />
  }

  function submit(e: FormEvent) {
    e.preventDefault()
    void action.run(() =>
      mode === 'password' ? signInWithPassword(email.trim(), password) : signInWithToken(token.trim()),
    )
  }

  return (
    <AuthCard title="Sign in">
      <p className="muted">Your team's AI models, keys sealed, every call metered and audited.</p>
      <div className="segmented" role="tablist" aria-label="Sign-in method">
        {MODES.map((m) => (
          <button
            key={m.mode}
            type="button"
            role="tab"
            aria-selected={mode === m.mode}
            className={mode === m.mode ? 'on' : ''}
            onClick={() => setMode(m.mode)}
          >
            {m.label}
          </button>
        ))}
      </div>
      <form onSubmit={submit} className="stack">
        {mode === 'password' ? (
          <>
            <InputField
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={setEmail}
            />
            <InputField
              label="Password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={setPassword}
            />
          </>
        ) : (
          <InputField
            label="Access token"
            hint="Starts with lk_. It is exchanged for a browser session."
            type="password"
            autoComplete="off"
            spellCheck={false}
            required
            pattern="lk_.+"
            className="mono"
            value={token}
            onChange={setToken}
          />
        )}
        <ErrorNotice error={action.error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <section className={`first-run${firstRun ? ' first-run-on' : ''}`} aria-labelledby="first-run-h">
        <h2 id="first-run-h">{firstRun ? 'Welcome to Latchkey — first time here?' : 'No account yet?'}</h2>
        <p>
          On the machine that runs Latchkey, create the first access token (it is printed once), then paste it
          above under <strong>Access token</strong>:
        </p>
        <pre className="code-line">
          <code>latchkey admin token --name me --role owner</code>
        </pre>
        <p className="muted">
          Teammates join through an invite link from an admin (Members page), which lets them set a password.
        </p>
      </section>
    </AuthCard>
  )
}
