/**
 * Issue 15, path 11: the web chat keeps conversations in the browser's IndexedDB. One
 * database per origin, kept after sign-out, showed one person's conversations to the next
 * person who signed in on the same browser (a shared or kiosk machine, a handed-over laptop).
 *
 * Played in headless Chromium against a real server and a fake upstream: A signs in, chats,
 * signs out; B signs in on the same browser profile and must see none of A's conversations,
 * and A's database must be gone. A second round: A's session simply ends (cookies cleared, no
 * sign-out) and B still sees nothing of A's.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { UPSTREAM_KEY } from '../gateway/gateway-helpers.js'
import { createTestEnv, type TestEnv } from '../helpers.js'
import { ensureWebBuild, HAS_CHROMIUM, launch } from '../web/browser.js'
import { join, PASSWORD, type Browser as Person } from './security-helpers.js'

const T = 90_000

/** Runs in the page (a string: this package's TypeScript has no DOM types). */
const READ_STORED = `(async () => {
  const out = []
  for (const d of await indexedDB.databases()) {
    if (!d.name || !d.name.startsWith('latchkey-chat')) continue
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open(d.name)
      r.onsuccess = () => res(r.result)
      r.onerror = () => rej(r.error)
    })
    const all = db.objectStoreNames.contains('conversations')
      ? await new Promise((res, rej) => {
          const r = db.transaction('conversations').objectStore('conversations').getAll()
          r.onsuccess = () => res(r.result)
          r.onerror = () => rej(r.error)
        })
      : []
    db.close()
    out.push({ name: d.name, conversations: JSON.stringify(all) })
  }
  return out
})()`

describe.skipIf(!HAS_CHROMIUM)('chat history stays with its person', () => {
  let env: TestEnv
  let fake: FakeUpstream
  let browser: Browser
  let ctx: BrowserContext
  let page: Page
  let base: string

  /** Every conversation in every Latchkey database of this origin, as JSON text. */
  const stored = () => page.evaluate<{ name: string; conversations: string }[]>(READ_STORED)

  const signIn = async (email: string) => {
    await page.goto(`${base}/sign-in`)
    await page.getByRole('tab', { name: 'Email and password' }).click()
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/chat$/)
  }

  const chat = async (text: string) => {
    await page.getByRole('button', { name: 'New chat' }).click()
    const model = page.getByLabel('Model', { exact: true })
    await expect.poll(() => model.locator('option').count()).toBeGreaterThanOrEqual(1)
    await model.selectOption('mine/gpt-a')
    await page.getByLabel('Message').fill(text)
    await page.getByRole('button', { name: 'Send' }).click()
    await page.getByRole('article', { name: 'Answer from mine/gpt-a' }).getByText('Hello, world!').waitFor()
    // Saved once the answer is complete.
    await expect.poll(async () => (await stored()).some((d) => d.conversations.includes(text))).toBe(true)
  }

  /** One org key both may use (the fake upstream accepts one key only). */
  const sharedKey = async (people: Person[]) => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: env.auth('owner'),
      payload: {
        name: 'mine',
        provider: 'openai-compatible',
        baseUrl: fake.baseUrl,
        apiKey: UPSTREAM_KEY,
        scope: 'org',
        models: ['gpt-a'],
      },
    })
    expect(r.statusCode, r.body).toBe(201)
    for (const p of people) {
      const g = await env.app.inject({
        method: 'POST',
        url: `/api/v1/credentials/${r.json().id}/grants`,
        headers: env.auth('owner'),
        payload: { subjectType: 'user', subjectId: p.userId, right: 'use' },
      })
      expect(g.statusCode, g.body).toBeLessThan(300)
    }
  }

  beforeAll(async () => {
    ensureWebBuild()
    fake = await startFakeOpenAI()
    env = await createTestEnv('sqlite')
    await env.app.listen({ port: 0, host: '127.0.0.1' })
    const addr = env.app.server.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    await sharedKey([
      await join(env, 'alice@example.com', 'member'),
      await join(env, 'bob@example.com', 'member'),
    ])
    browser = await launch()
    ctx = await browser.newContext()
    page = await ctx.newPage()
  }, T)

  afterAll(async () => {
    await browser?.close()
    await env?.close()
    await fake?.close()
  })

  it(
    'after A signs out, A’s database is gone and B sees none of A’s conversations',
    async () => {
      await signIn('alice@example.com')
      await chat('ALICE-CANARY-1 what are my quarterly numbers?')
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.waitForURL(/\/sign-in/)
      await expect.poll(async () => JSON.stringify(await stored())).not.toContain('ALICE-CANARY-1')

      await signIn('bob@example.com')
      await page.getByRole('button', { name: 'New chat' }).waitFor()
      expect(await page.getByRole('complementary', { name: 'Conversations' }).textContent()).not.toContain(
        'ALICE-CANARY',
      )
      await chat('BOB-CANARY-1 hello')
      expect(await page.getByRole('complementary', { name: 'Conversations' }).textContent()).not.toContain(
        'ALICE-CANARY',
      )
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.waitForURL(/\/sign-in/)
      expect(await stored()).toEqual([])
    },
    T,
  )

  it(
    'a session that ends without signing out leaves A’s history out of B’s sight',
    async () => {
      await signIn('alice@example.com')
      await chat('ALICE-CANARY-2 my salary review')
      // The session ends (expiry, another tab signing out): no sign-out click.
      await ctx.clearCookies()
      await signIn('bob@example.com')
      await page.getByRole('button', { name: 'New chat' }).waitFor()
      const list = page.getByRole('complementary', { name: 'Conversations' })
      // Give a stale list every chance to show up before checking it did not.
      await chat('BOB-CANARY-2 hi')
      expect(await list.textContent()).toContain('BOB-CANARY-2')
      expect(await list.textContent()).not.toContain('ALICE-CANARY')
    },
    T,
  )
})
