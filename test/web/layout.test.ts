/**
 * Every page (test/web/pages.ts) at phone size (390×844) and desktop size (1280×800), in the
 * light and the dark theme, against a server seeded with long names: nothing sticks out sideways
 * (not the document, not past the viewport, not out of a card), axe-core finds no serious or
 * critical violation (text contrast included), and a screenshot of each is saved under
 * SHOTS/layout for people to look at.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { UPSTREAM_KEY } from '../gateway/gateway-helpers.js'
import { createTestEnv, PG_URL, type TestEnv } from '../helpers.js'
import { ensureWebBuild, HAS_CHROMIUM, launch, SHOTS } from './browser.js'
import { axeViolations, overflowProblems, rawIds } from './layout-checks.js'
import { PAGES } from './pages.js'

const T = 60_000
const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
] as const
const THEMES = ['light', 'dark'] as const

const RECIPE = `name: layout-check
description: A recipe whose run waits for a person, so the run page shows its review box
inputs:
  text: string
steps:
  - id: summary
    model: production-openai-eu-west/gpt-4o-mini-2024-07-18
    prompt: "Summarize: {{ inputs.text }}"
    review: true
output: "{{ steps.summary.output }}"
`

async function shot(page: Page, name: string) {
  const dir = path.join(SHOTS, 'layout')
  fs.mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: path.join(dir, `${name}.png`) })
}

describe.skipIf(!HAS_CHROMIUM)(
  'every page fits phone and desktop, in both themes, with no serious axe findings',
  () => {
    let env: TestEnv
    let fake: FakeUpstream
    let browser: Browser
    let base: string
    const ids: Record<string, string> = {}

    const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      const r = await env.app.inject({
        method,
        url,
        headers: env.auth('owner'),
        ...(payload ? { payload } : {}),
      })
      if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`)
      return r.json()
    }

    beforeAll(async () => {
      ensureWebBuild()
      fake = await startFakeOpenAI()
      env = await createTestEnv(PG_URL ? 'postgres' : 'sqlite', { redis: true })
      await env.app.listen({ port: 0, host: '127.0.0.1' })
      const addr = env.app.server.address()
      base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
      // Long names and several rows, so wide tables and long labels are what the pages must fit.
      await api('POST', '/api/v1/credentials', {
        name: 'production-openai-eu-west',
        provider: 'openai-compatible',
        scope: 'org',
        baseUrl: fake.baseUrl,
        models: ['gpt-4o-mini-2024-07-18', 'gpt-4.1-nano'],
        apiKey: UPSTREAM_KEY,
      })
      const chat = await env.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: env.auth('owner'),
        payload: {
          model: 'production-openai-eu-west/gpt-4o-mini-2024-07-18',
          messages: [{ role: 'user', content: 'hello' }],
        },
      })
      expect(chat.statusCode).toBe(200)
      await api('POST', '/api/v1/members', { email: 'a.rather.long.address@example.com', role: 'admin' })
      await api('POST', '/api/v1/routes', {
        alias: 'smart-default-for-the-whole-team',
        targets: [
          { model: 'production-openai-eu-west/gpt-4o-mini-2024-07-18', weight: 3 },
          { model: 'production-openai-eu-west/gpt-4.1-nano', weight: 1 },
        ],
        fallbacks: [{ model: 'production-openai-eu-west/gpt-4.1-nano' }],
        retry: { attempts: 2 },
      })
      await api('POST', '/api/v1/tokens', { name: 'ci-pipeline-for-the-nightly-evaluation-run' })
      await api('POST', '/api/v1/budgets', { name: 'Monthly cap for the whole organisation', limitUsd: 25 })
      const wf = await api('POST', '/api/v1/workflows', { yaml: RECIPE })
      ids.workflow = wf.id
      const run = await api('POST', `/api/v1/workflows/${wf.id}/runs`, {
        inputs: { text: 'Latchkey keeps provider keys sealed.' },
      })
      ids.run = run.id
      await vi.waitFor(
        async () => expect((await api('GET', `/api/v1/runs/${run.id}`)).status).toBe('waiting_review'),
        { timeout: T },
      )
      browser = await launch()
    }, T)

    afterAll(async () => {
      await browser?.close()
      await env?.close()
      await fake?.close()
    })

    for (const size of SIZES) {
      for (const theme of THEMES) {
        describe(`${size.name} ${size.width}×${size.height}, ${theme}`, () => {
          let ctx: BrowserContext
          let page: Page
          beforeAll(async () => {
            // bypassCSP: axe-core is injected as an inline script (the CSP itself is tested in e2e).
            ctx = await browser.newContext({
              viewport: { width: size.width, height: size.height },
              colorScheme: theme,
              // Drawers slide in without animation, so screenshots show them where they stop.
              reducedMotion: 'reduce',
              bypassCSP: true,
            })
            ctx.setDefaultTimeout(T)
            page = await ctx.newPage()
          }, T)
          afterAll(async () => {
            await ctx?.close()
          })
          const signIn = async () => {
            if ((await ctx.cookies()).some((c) => c.name === 'lk_session')) return
            const r = await ctx.request.post(`${base}/api/v1/session`, { data: { token: env.tokens.owner } })
            expect(r.status()).toBe(200)
          }

          // Signed-out pages first, then one sign-in for the rest.
          const ordered = [...PAGES.filter((p) => p.signedOut), ...PAGES.filter((p) => !p.signedOut)]
          for (const pc of ordered) {
            it(pc.name, { timeout: T }, async () => {
              if (!pc.signedOut) await signIn()
              const url = pc.path.replace(/\{(\w+)\}/g, (_, k: string) => ids[k] ?? `{${k}}`)
              await page.goto(`${base}${url}`)
              const scope = page.locator('main, .auth-page')
              const ready = pc.readyRole
                ? scope.getByRole(pc.readyRole, { name: pc.ready })
                : scope.getByText(pc.ready)
              await ready.first().waitFor()
              await expect.poll(() => page.locator('.spinner').count()).toBe(0)
              await shot(page, `${size.name}-${theme}-${pc.name}`)
              expect.soft(await overflowProblems(page), 'overflow').toEqual([])
              expect.soft(await axeViolations(page), 'axe').toEqual([])
              expect.soft(await rawIds(page), 'ids shown instead of names').toEqual([])
            })
          }

          it("fits an audit record's details, names beside ids", { timeout: T }, async () => {
            await signIn()
            await page.goto(`${base}/audit`)
            const call = page.getByRole('row').filter({ hasText: 'gateway.call' }).last()
            await call.getByRole('button', { name: /Details of record/ }).click()
            const details = page.locator('.detail-row pre')
            await details.getByText('"names"').waitFor()
            expect(await details.textContent()).toContain('"production-openai-eu-west"')
            await shot(page, `${size.name}-${theme}-audit-details`)
            expect.soft(await overflowProblems(page), 'overflow').toEqual([])
            expect.soft(await axeViolations(page), 'axe').toEqual([])
          })

          it('fits a conversation with a long code line and a long link', { timeout: T }, async () => {
            await signIn()
            await page.goto(`${base}/chat`)
            // The chat list is a drawer on phones, a column on desktops: the New chat button
            // is in it either way.
            const list = page.getByRole('complementary', { name: 'Conversations' })
            if (size.name === 'phone')
              await page.getByRole('button', { name: 'Conversations', exact: true }).click()
            await list.getByRole('button', { name: 'New chat' }).click()
            const words = fake.words
            fake.words = [
              'Run this:\n\n```sh\n',
              `curl -H "authorization: Bearer $LATCHKEY_TOKEN" ${'https://latchkey.example.com/v1/'.repeat(4)}\n`,
              '```\n\nDocs: ',
              `https://docs.example.com/${'a-very-long-path-segment/'.repeat(6)}`,
            ]
            try {
              await page.getByLabel('Message').fill(`Explain ${'supercalifragilistic'.repeat(6)}`)
              await page.getByRole('button', { name: 'Send' }).click()
              await page.getByRole('article').getByText('Docs:').waitFor()
            } finally {
              fake.words = words
            }
            await page.getByRole('button', { name: 'Send' }).waitFor()
            await shot(page, `${size.name}-${theme}-chat-long`)
            expect.soft(await overflowProblems(page), 'overflow').toEqual([])
            expect.soft(await axeViolations(page), 'axe').toEqual([])
          })

          if (size.name === 'phone') {
            it('keeps the navigation in a drawer behind Menu; following a link closes it', {
              timeout: T,
            }, async () => {
              await signIn()
              await page.goto(`${base}/chat`)
              const nav = page.getByRole('navigation', { name: 'Main' })
              const menu = page.getByRole('button', { name: 'Menu', exact: true })
              await menu.waitFor()
              expect(await nav.isVisible()).toBe(false)
              await menu.click()
              await nav.getByRole('link', { name: 'Keys' }).waitFor()
              expect(await menu.getAttribute('aria-expanded')).toBe('true')
              await shot(page, `${size.name}-${theme}-menu-open`)
              expect.soft(await axeViolations(page), 'axe').toEqual([])
              await nav.getByRole('link', { name: 'Keys' }).click()
              await page.waitForURL(/\/keys$/)
              await nav.waitFor({ state: 'hidden' })
              expect(await menu.getAttribute('aria-expanded')).toBe('false')
            })

            it('keeps the conversation list in a drawer on the chat page', { timeout: T }, async () => {
              await signIn()
              await page.goto(`${base}/chat`)
              const list = page.getByRole('complementary', { name: 'Conversations' })
              const open = page.getByRole('button', { name: 'Conversations', exact: true })
              await open.waitFor()
              expect(await list.isVisible()).toBe(false)
              // The composer's model picker and Send button are on screen.
              await page.getByRole('button', { name: 'Send' }).waitFor()
              await open.click()
              await list.getByRole('button', { name: 'New chat' }).click()
              await list.waitFor({ state: 'hidden' })
            })

            it('fits the Add key dialog', { timeout: T }, async () => {
              await signIn()
              await page.goto(`${base}/keys`)
              await page.getByRole('button', { name: 'Add key' }).click()
              await page.getByRole('dialog', { name: 'Add a provider key' }).getByLabel('Name').waitFor()
              await shot(page, `${size.name}-${theme}-add-key`)
              expect.soft(await overflowProblems(page), 'overflow').toEqual([])
              expect.soft(await axeViolations(page), 'axe').toEqual([])
            })
          }
        })
      }
    }
  },
)
