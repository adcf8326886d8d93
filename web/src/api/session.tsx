/**
 * The signed-in person: loads `/api/v1/me`, signs in with email + password or an access
 * token (exchanged for a session cookie), signs out. Everything below reads `useSession()`.
 * @module
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { clearChatHistory, setChatOwner } from '../lib/store.js'
import { ApiError, del, get, onUnauthorized, post, setBearerToken, setCsrfToken } from './client.js'
import type { Me } from './types.js'

type Status = 'loading' | 'signed-out' | 'signed-in'

interface SessionValue {
  status: Status
  me: Me | null
  signInWithPassword(email: string, password: string): Promise<void>
  signInWithToken(token: string): Promise<void>
  /** After accepting an invite: the server answered with a session. */
  adopt(answer: { csrfToken?: string }): Promise<void>
  signOut(): Promise<void>
  refresh(): Promise<void>
}

const Ctx = createContext<SessionValue | null>(null)

export function useSession(): SessionValue {
  const v = useContext(Ctx)
  if (!v) throw new Error('useSession outside SessionProvider')
  return v
}

/** The signed-in principal (pages under the signed-in shell only). */
export function useMe(): Me {
  const { me } = useSession()
  if (!me) throw new Error('useMe without a session')
  return me
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('loading')
  const [me, setMe] = useState<Me | null>(null)

  const refresh = useCallback(async () => {
    try {
      const m = await get<Me>('/api/v1/me', { quiet401: true })
      if (m.csrfToken) setCsrfToken(m.csrfToken)
      // Someone has signed in from this browser: the sign-in page stops leading with first-run help.
      localStorage.setItem('lk.signedInBefore', '1')
      // Chat history is per person (lib/store.ts): point it at this one before any page reads it.
      setChatOwner(m.principal)
      setMe(m)
      setStatus('signed-in')
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        setChatOwner(null)
        setMe(null)
        setStatus('signed-out')
        return
      }
      throw e
    }
  }, [])

  useEffect(() => {
    refresh().catch(() => setStatus('signed-out'))
    return onUnauthorized(() => {
      setChatOwner(null)
      setMe(null)
      setStatus('signed-out')
    })
  }, [refresh])

  const adopt = useCallback(
    async (answer: { csrfToken?: string }) => {
      if (answer.csrfToken) setCsrfToken(answer.csrfToken)
      await refresh()
    },
    [refresh],
  )

  const signInWithPassword = useCallback(
    async (email: string, password: string) => {
      setBearerToken(null)
      await adopt(
        await post<{ csrfToken?: string }>('/api/v1/session', { email, password }, { quiet401: true }),
      )
    },
    [adopt],
  )

  const signInWithToken = useCallback(
    async (token: string) => {
      setBearerToken(null)
      try {
        await adopt(await post<{ csrfToken?: string }>('/api/v1/session', { token }, { quiet401: true }))
      } catch (e) {
        // A server without token→session exchange: keep the token in this tab only.
        if (e instanceof ApiError && e.status === 404 && e.code === 'route_not_found') {
          setBearerToken(token)
          try {
            await get<Me>('/api/v1/me', { quiet401: true })
          } catch (probe) {
            setBearerToken(null)
            throw probe
          }
          await refresh()
          return
        }
        throw e
      }
    },
    [adopt, refresh],
  )

  const signOut = useCallback(async () => {
    // This person's conversations leave the browser with them (a browser is often shared).
    // Bounded wait: a tab of an older version may hold the database open; the deletion stays
    // queued and completes when that tab lets go.
    await Promise.race([clearChatHistory().catch(() => {}), new Promise((r) => setTimeout(r, 3_000))])
    try {
      await del('/api/v1/session')
    } catch {
      // Signed out locally either way; an expired session is already gone server-side.
    }
    setBearerToken(null)
    setCsrfToken(null)
    setMe(null)
    setStatus('signed-out')
  }, [])

  const value = useMemo(
    () => ({ status, me, signInWithPassword, signInWithToken, adopt, signOut, refresh }),
    [status, me, signInWithPassword, signInWithToken, adopt, signOut, refresh],
  )
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>
}
