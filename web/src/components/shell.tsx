/** The signed-in frame: sidebar navigation (role-aware), theme switch, who is signed in. */
import { type ReactNode, Suspense, useEffect, useState } from 'react'
import { NavLink, useLocation } from 'react-router'
import { get } from '../api/client.js'
import { useMe, useSession } from '../api/session.js'
import { onReviewsChanged, REVIEWS_POLL_MS } from '../lib/reviews-signal.js'
import { can, type UiAction } from '../lib/roles.js'
import { applyTheme, initialTheme, type Theme } from '../lib/theme.js'
import { useAsync } from '../lib/use-async.js'
import { Icon } from './icons.js'
import { Spinner } from './ui.js'

const NAV: { to: string; label: string; icon: string; action?: UiAction }[] = [
  { to: '/chat', label: 'Chat', icon: 'chat' },
  { to: '/compare', label: 'Compare', icon: 'compare' },
  { to: '/models', label: 'Models', icon: 'models' },
  { to: '/workflows', label: 'Workflows', icon: 'workflows' },
  { to: '/reviews', label: 'Reviews', icon: 'reviews' },
  { to: '/routes', label: 'Routes', icon: 'routes' },
  { to: '/keys', label: 'Keys', icon: 'keys' },
  { to: '/usage', label: 'Usage', icon: 'usage' },
  { to: '/audit', label: 'Audit', icon: 'audit', action: 'audit:read' },
  { to: '/members', label: 'Members', icon: 'members' },
  { to: '/settings', label: 'Settings', icon: 'settings' },
]

export function Shell({ children }: { children: ReactNode }) {
  const me = useMe()
  const { signOut } = useSession()
  const [theme, setTheme] = useState<Theme>(initialTheme)
  const p = me.principal
  const { pathname } = useLocation()
  // On a phone the sidebar is a drawer behind the menu button; following a link closes it.
  const [navOpen, setNavOpen] = useState(false)
  // biome-ignore lint/correctness/useExhaustiveDependencies: closing is the effect of a navigation
  useEffect(() => setNavOpen(false), [pathname])
  useEffect(() => {
    if (!navOpen) return
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setNavOpen(false)
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [navOpen])
  // Reviews waiting for a decision this person may take: refreshed on every navigation, when
  // a page says the queue changed (a decision, a run parked), and on a slow poll for others'.
  const reviews = useAsync(
    (signal) =>
      get<{ data: { canDecide?: boolean }[] }>('/api/v1/reviews', { signal })
        .then((r) => r.data.filter((x) => x.canDecide !== false).length)
        .catch(() => 0),
    [pathname],
  )
  const reloadReviews = reviews.reload
  useEffect(() => {
    const off = onReviewsChanged(reloadReviews)
    const poll = setInterval(() => {
      if (document.visibilityState === 'visible') reloadReviews()
    }, REVIEWS_POLL_MS)
    return () => {
      off()
      clearInterval(poll)
    }
  }, [reloadReviews])
  const toggle = () => {
    const t = theme === 'dark' ? 'light' : 'dark'
    applyTheme(t, true)
    setTheme(t)
  }
  return (
    <div className={navOpen ? 'shell nav-open' : 'shell'}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="btn btn-ghost menu-btn"
          aria-expanded={navOpen}
          aria-controls="sidebar"
          onClick={() => setNavOpen(!navOpen)}
        >
          <span aria-hidden="true">☰</span> Menu
        </button>
        <div className="brand">
          <img src="/favicon.svg" alt="" width="22" height="22" />
          <span>Latchkey</span>
        </div>
      </header>
      {navOpen && (
        <button
          type="button"
          className="drawer-backdrop"
          aria-label="Close the menu"
          tabIndex={-1}
          onClick={() => setNavOpen(false)}
        />
      )}
      <aside className="sidebar" id="sidebar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="26" height="26" />
          <span>Latchkey</span>
        </div>
        {me.org?.name && <div className="org-name">{me.org.name}</div>}
        <nav aria-label="Main">
          <ul>
            {NAV.filter((n) => !n.action || can(p, n.action)).map((n) => (
              <li key={n.to}>
                <NavLink
                  to={n.to}
                  title={n.label}
                  className={({ isActive }) => (isActive ? 'active' : undefined)}
                >
                  <Icon name={n.icon} />
                  <span className="nav-label">{n.label}</span>
                  {n.to === '/reviews' && (reviews.data ?? 0) > 0 && (
                    <span className="nav-count" title={`${reviews.data} waiting for review`}>
                      {reviews.data}
                      <span className="sr-only"> waiting for review</span>
                    </span>
                  )}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          <div className="who">
            <div className="who-name" title={p.name}>
              {p.name}
            </div>
            <div className="who-role">
              {p.role}
              {p.kind === 'token' ? ' · token' : ''}
            </div>
          </div>
          <div className="row">
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={toggle}
              aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
            >
              {theme === 'dark' ? '☀ Light' : '☾ Dark'}
            </button>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </aside>
      <main id="main" className="main">
        {p.role === 'auditor' && (
          <div className="readonly-banner" role="note">
            Read-only: auditors can see usage, audit and settings but change nothing.
          </div>
        )}
        <Suspense fallback={<Spinner />}>{children}</Suspense>
      </main>
    </div>
  )
}
