/** The signed-out pages (sign-in, invite): a centred card, the brand above its title. */
import type { ReactNode } from 'react'

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="auth-page">
      <div className="auth-card">
        <div className="brand brand-lg">
          <img src="/favicon.svg" alt="" width="36" height="36" />
          <span>Latchkey</span>
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </div>
  )
}
