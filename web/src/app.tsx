/**
 * Routes and the signed-in shell. Every page is its own chunk (React.lazy) so the first load
 * carries only the shell; charts, markdown and the YAML editor load with their pages.
 * @module
 */
import { lazy, type ReactNode, Suspense } from 'react'
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router'
import { SessionProvider, useSession } from './api/session.js'
import { Shell } from './components/shell.js'
import { Spinner } from './components/ui.js'

const SignIn = lazy(() => import('./routes/sign-in.js').then((m) => ({ default: m.SignInPage })))
const Invite = lazy(() => import('./routes/invite.js').then((m) => ({ default: m.InvitePage })))
const Keys = lazy(() => import('./routes/keys.js').then((m) => ({ default: m.KeysPage })))
const Chat = lazy(() => import('./routes/chat.js').then((m) => ({ default: m.ChatPage })))
const Compare = lazy(() => import('./routes/compare.js').then((m) => ({ default: m.ComparePage })))
const Models = lazy(() => import('./routes/models.js').then((m) => ({ default: m.ModelsPage })))
const Reviews = lazy(() => import('./routes/reviews.js').then((m) => ({ default: m.ReviewsPage })))
const RoutesPage = lazy(() => import('./routes/routes.js').then((m) => ({ default: m.RoutesPage })))
const Workflows = lazy(() => import('./routes/workflows.js').then((m) => ({ default: m.WorkflowsPage })))
const Usage = lazy(() => import('./routes/usage.js').then((m) => ({ default: m.UsagePage })))
const Audit = lazy(() => import('./routes/audit.js').then((m) => ({ default: m.AuditPage })))
const Members = lazy(() => import('./routes/members.js').then((m) => ({ default: m.MembersPage })))
const Settings = lazy(() => import('./routes/settings.js').then((m) => ({ default: m.SettingsPage })))

function RequireSession({ children }: { children: ReactNode }) {
  const { status } = useSession()
  const loc = useLocation()
  if (status === 'loading') return <Spinner label="Checking your session" />
  if (status === 'signed-out') {
    const next = loc.pathname === '/' ? '' : `?next=${encodeURIComponent(loc.pathname + loc.search)}`
    return <Navigate to={`/sign-in${next}`} replace />
  }
  return <Shell>{children}</Shell>
}

function page(el: ReactNode) {
  return <RequireSession>{el}</RequireSession>
}

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <Suspense fallback={<Spinner />}>
          <Routes>
            <Route path="/sign-in" element={<SignIn />} />
            <Route path="/invite" element={<Invite />} />
            <Route path="/" element={<Navigate to="/chat" replace />} />
            <Route path="/keys" element={page(<Keys />)} />
            <Route path="/chat" element={page(<Chat />)} />
            <Route path="/compare" element={page(<Compare />)} />
            <Route path="/models" element={page(<Models />)} />
            <Route path="/workflows/*" element={page(<Workflows />)} />
            <Route path="/reviews" element={page(<Reviews />)} />
            <Route path="/routes" element={page(<RoutesPage />)} />
            <Route path="/usage" element={page(<Usage />)} />
            <Route path="/audit" element={page(<Audit />)} />
            <Route path="/members" element={page(<Members />)} />
            <Route path="/settings" element={page(<Settings />)} />
            <Route path="*" element={page(<NotFound />)} />
          </Routes>
        </Suspense>
      </BrowserRouter>
    </SessionProvider>
  )
}

function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address. Use the navigation to find your way.</p>
    </div>
  )
}
