/** Sign-in: email + password, or an access token; a first-run explanation when nobody exists yet. */
import { type FormEvent, useState } from 'react'
import { Navigate, useSearchParams } from 'react-router'
import { useSession } from '../api/session.js'
import { ErrorNotice, Field, Spinner } from '../components/ui.js'

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

export function SignInPage() {
  const { status, signInWithPassword, signInWithToken } = useSession()
  const [params] = useSearchParams()
  const firstRun = useFirstRun()
  const [mode, setMode] = useState<Mode>(firstRun ? 'token' : 'password')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [token, setToken] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()

  if (status === 'loading') return <Spinner />
  if (status === 'signed-in') {
    const next = params.get('next')
    return <Navigate to={next?.startsWith('/') && !next.startsWith('//') ? next : '/chat'} replace />
  }

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      if (mode === 'password') await signInWithPassword(email.trim(), password)
      else await signInWithToken(token.trim())
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
        <h1>Sign in</h1>
        <p className="muted">Your team's AI models, keys sealed, every call metered and audited.</p>
        <div className="segmented" role="tablist" aria-label="Sign-in method">
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'password'}
            className={mode === 'password' ? 'on' : ''}
            onClick={() => setMode('password')}
          >
            Email and password
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'token'}
            className={mode === 'token' ? 'on' : ''}
            onClick={() => setMode('token')}
          >
            Access token
          </button>
        </div>
        <form onSubmit={submit} className="stack">
          {mode === 'password' ? (
            <>
              <Field label="Email">
                {(id) => (
                  <input
                    id={id}
                    type="email"
                    autoComplete="username"
                    required
                    value={email}
                    onChange={(e) => setEmail(e.target.value)}
                  />
                )}
              </Field>
              <Field label="Password">
                {(id) => (
                  <input
                    id={id}
                    type="password"
                    autoComplete="current-password"
                    required
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                )}
              </Field>
            </>
          ) : (
            <Field label="Access token" hint="Starts with lk_. It is exchanged for a browser session.">
              {(id, describedBy) => (
                <input
                  id={id}
                  type="password"
                  autoComplete="off"
                  spellCheck={false}
                  required
                  pattern="lk_.+"
                  aria-describedby={describedBy}
                  className="mono"
                  value={token}
                  onChange={(e) => setToken(e.target.value)}
                />
              )}
            </Field>
          )}
          <ErrorNotice error={error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <section className={`first-run${firstRun ? ' first-run-on' : ''}`} aria-labelledby="first-run-h">
          <h2 id="first-run-h">{firstRun ? 'Welcome to Latchkey — first time here?' : 'No account yet?'}</h2>
          <p>
            On the machine that runs Latchkey, create the first access token (it is printed once), then paste
            it above under <strong>Access token</strong>:
          </p>
          <pre className="code-line">
            <code>latchkey admin token --name me --role owner</code>
          </pre>
          <p className="muted">
            Teammates join through an invite link from an admin (Members page), which lets them set a
            password.
          </p>
        </section>
      </div>
    </div>
  )
}
