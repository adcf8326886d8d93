/**
 * The Models, Routes and Reviews pages in headless Chromium against a real server and a fake
 * OpenAI upstream, at a desktop (1280×800) and a phone (390×844) size: each task done end to
 * end in the page, no sideways overflow, a screenshot per page and size.
 *
 * Models: every model listed with its key, kind and capabilities; embeddings filtered; the
 * Connect snippets copied from the page and run as copied (curl, OpenAI and Anthropic SDKs)
 * with a token created on the page. Routes: an alias created with two weighted targets and a
 * fallback, edited, test-prompted (a failing target falls back), health shown. Reviews: the
 * starter is told before clicking; another's run is approved with a comment and the nav badge
 * drops without a reload.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { UPSTREAM_KEY } from '../gateway/gateway-helpers.js'
import { createTestEnv, PG_URL, type TestEnv } from '../helpers.js'
import { ensureWebBuild, HAS_CHROMIUM, launch, SHOTS } from './browser.js'
import { axeViolations, overflowProblems } from './layout-checks.js'

const T = 90_000
const ROOT = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

const RECIPE = (name: string) => `name: ${name}
inputs:
  text: string
steps:
  - id: draft
    model: fake/gpt-a
    prompt: "Draft: {{ inputs.text }}"
    review: { role: member, message: "Check the draft", not_starter: true }
output: "{{ steps.draft.output }}"
`

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const

describe.skipIf(!HAS_CHROMIUM)('Models, Routes and Reviews pages in a browser', () => {
  let env: TestEnv
  let fake: FakeUpstream
  let browser: Browser
  let base: string
  const api = async (method: string, url: string, role: 'owner' | 'member', payload?: unknown) => {
    const r = await env.app.inject({
      method: method as 'POST',
      url,
      headers: env.auth(role),
      payload: payload as object,
    })
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300)
    return r.json() as Record<string, unknown>
  }

  beforeAll(async () => {
    ensureWebBuild()
    fake = await startFakeOpenAI()
    env = await createTestEnv(PG_URL ? 'postgres' : 'sqlite', { redis: true })
    await env.app.listen({ port: 0, host: '127.0.0.1' })
    const addr = env.app.server.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    await api('POST', '/api/v1/credentials', 'owner', {
      name: 'fake',
      provider: 'openai-compatible',
      baseUrl: fake.baseUrl,
      apiKey: UPSTREAM_KEY,
      scope: 'org',
      models: ['gpt-a', 'gpt-b', 'text-embedding-3-small'],
    })
    browser = await launch()
  }, T)

  afterAll(async () => {
    await browser?.close()
    await env?.close()
    await fake?.close()
  })

  describe.each(SIZES)('at $name size ($width×$height)', (size) => {
    let ctx: BrowserContext
    let page: Page
    const problems: string[] = []
    const shot = async (name: string) => {
      fs.mkdirSync(SHOTS, { recursive: true })
      await page.screenshot({ path: path.join(SHOTS, `${name}-${size.name}.png`), fullPage: true })
    }
    /** The viewport with `part` scrolled into it (the shell scrolls its main column, not the page). */
    const shotOf = async (name: string, part: ReturnType<Page['locator']>) => {
      await part.evaluate((e) =>
        (e as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'center' }),
      )
      fs.mkdirSync(SHOTS, { recursive: true })
      await page.screenshot({ path: path.join(SHOTS, `${name}-${size.name}.png`) })
    }
    /** Nothing sticks out sideways (wide content scrolls in its own box); no serious axe findings. */
    const noOverflow = async () => {
      expect(await overflowProblems(page)).toEqual([])
      expect(await axeViolations(page)).toEqual([])
    }
    const go = async (to: string, heading: string) => {
      await page.goto(`${base}${to}`)
      await page.getByRole('heading', { name: heading, exact: true, level: 1 }).waitFor()
    }

    beforeAll(async () => {
      // bypassCSP: axe-core is injected as an inline script (the CSP itself is tested in e2e).
      ctx = await browser.newContext({
        viewport: { width: size.width, height: size.height },
        bypassCSP: true,
      })
      ctx.setDefaultTimeout(T)
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
      page = await ctx.newPage()
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text().slice(0, 120))
      })
      page.on('pageerror', (e) => problems.push(e.message))
      await page.goto(`${base}/sign-in`)
      await page.getByRole('tab', { name: 'Access token' }).click()
      await page.getByLabel('Access token').fill(env.tokens.owner)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL(/\/chat$/)
      // The sign-in page probes the session (a 401 before signing in); from here on, none.
      problems.length = 0
    }, T)

    afterAll(async () => {
      await ctx?.close()
    })

    it(
      'Models lists every model with its key and capabilities; embeddings filter out of chat',
      async () => {
        await go('/models', 'Models')
        const rowOf = (model: string) => page.getByRole('row').filter({ hasText: model })
        await rowOf('gpt-a').first().waitFor()
        expect(await rowOf('text-embedding-3-small').getByText('embeddings').count()).toBe(1)
        expect(await rowOf('gpt-a').first().getByText('fake', { exact: true }).count()).toBe(1)
        await page.getByLabel('Can do').selectOption('embeddings')
        await expect.poll(() => page.getByRole('row').count()).toBe(2)
        await page.getByLabel('Can do').selectOption('')
        // The connect panel offers chat models only.
        const options = await page.getByLabel('Model', { exact: true }).locator('option').allTextContents()
        expect(options).toContain('fake/gpt-a')
        expect(options).not.toContain('fake/text-embedding-3-small')
        await noOverflow()
        await shot('models')
      },
      T,
    )

    it(
      'Connect: creates a gateway token shown once; the copied snippets run as copied',
      async () => {
        await page.getByLabel('Model', { exact: true }).selectOption('fake/gpt-b')
        await page.getByRole('button', { name: 'Create a token for this app' }).click()
        const token = await page.getByLabel('New gateway token').inputValue()
        expect(token).toMatch(/^lk_/)
        await page.getByText(`export LATCHKEY_TOKEN=${token}`).waitFor()
        await page.getByRole('button', { name: 'Done' }).click()
        await expect.poll(() => page.content()).not.toContain(token)
        const copied = async (client: string) => {
          await page.getByRole('button', { name: client, exact: true }).click()
          await page.getByRole('button', { name: `Copy ${client} snippet` }).click()
          return page.evaluate<string>('navigator.clipboard.readText()')
        }
        const runEnv = { ...process.env, LATCHKEY_TOKEN: token }
        const before = fake.requests.length
        // curl, exactly as copied, through a shell.
        const curl = await copied('curl')
        expect(curl).toContain(`${base}/v1/chat/completions`)
        const out = await run('sh', ['-c', `${curl} --silent --fail`], { env: runEnv })
        expect(JSON.parse(out.stdout).choices[0].message.content).toBe('Hello, world!')
        // The SDK snippets as ES modules beside node_modules (top-level await, package imports).
        for (const client of ['OpenAI TypeScript', 'Anthropic SDK']) {
          const file = path.join(ROOT, `.snippet-${size.name}-${client.split(' ')[0]}.mjs`)
          fs.writeFileSync(file, await copied(client))
          try {
            const r = await run(process.execPath, [file], { env: runEnv, cwd: ROOT })
            expect(r.stdout).toContain('Hello, world!')
          } finally {
            fs.rmSync(file, { force: true })
          }
        }
        const calls = fake.requests.slice(before).filter((r) => r.path === '/v1/chat/completions')
        expect(calls.map((c) => c.body?.model)).toEqual(['gpt-b', 'gpt-b', 'gpt-b'])
        for (const client of ['Vercel AI SDK', 'LangChain', 'Claude Code', 'Codex CLI', 'OpenAI Python'])
          expect(await copied(client)).toContain('fake/gpt-b')
        await noOverflow()
        await shotOf('connect', page.getByRole('region', { name: 'Connect an app' }))
      },
      T,
    )

    it(
      'Routes: creates an alias with weighted targets and a fallback, edits it, test-prompts it',
      async () => {
        const alias = `smart-${size.name}`
        await go('/routes', 'Routes')
        await page.getByRole('button', { name: 'New route' }).first().click()
        const dlg = page.getByRole('dialog', { name: 'New route' })
        await dlg.getByLabel('Alias').fill(alias)
        await dlg.getByLabel('Target 1 model').selectOption('fake/gpt-a')
        await dlg.getByLabel('Weight').first().fill('3')
        await dlg.getByRole('button', { name: 'Add target' }).click()
        await dlg.getByLabel('Target 2 model').selectOption('fake/gpt-b')
        // Embedders are not offered as targets.
        expect(await dlg.getByLabel('Target 2 model').locator('option').allTextContents()).not.toContain(
          'fake/text-embedding-3-small',
        )
        await dlg.getByRole('button', { name: 'Add fallback' }).click()
        await dlg.getByLabel('Fallback 1 model').selectOption('fake/gpt-b')
        await dlg.getByLabel('Tries per target').fill('11')
        await dlg.getByRole('button', { name: 'Create route' }).click()
        await dlg.getByText('1 to 10 tries per target').waitFor()
        await dlg.getByLabel('Tries per target').fill('1')
        await dlg.getByLabel('Timeout ms').fill('30000')
        await dlg.getByLabel('Translation').selectOption('strict')
        await dlg.getByRole('button', { name: 'Create route' }).click()
        await page.getByText(`Route ${alias} saved`).waitFor()
        const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: alias }) })
        await card.getByText('weight 3 · 75% first').waitFor()
        await card.getByText(/1 try per target · timeout 30\.0 s · strict translation/).waitFor()
        expect(await api('GET', `/api/v1/routes/${alias}`, 'owner')).toMatchObject({
          targets: [
            { model: 'fake/gpt-a', weight: 3 },
            { model: 'fake/gpt-b', weight: 1 },
          ],
          fallbacks: [{ model: 'fake/gpt-b' }],
          retry: { attempts: 1 },
          timeoutMs: 30_000,
          mode: 'strict',
        })

        // Edit: target 2 off (weight 0), so every call starts at gpt-a.
        await card.getByRole('button', { name: `Edit ${alias}` }).click()
        const edit = page.getByRole('dialog', { name: `Edit route ${alias}` })
        await edit.getByLabel('Weight').nth(1).fill('0')
        await edit.getByRole('button', { name: 'Save route' }).click()
        await card.getByText('weight 0 · 0% first').waitFor()

        // Dry run: gpt-a fails once, the fallback answers; the card says who answered.
        // gpt-a's breaker window is shared with the other viewport's run (same key, same
        // model): count from what it holds now, not from zero.
        const before = (
          (await api('GET', `/api/v1/routes/${alias}/health`, 'owner')) as {
            targets: { role: string; model: string; failures: number; requests: number }[]
          }
        ).targets.find((t) => t.role === 'target' && t.model === 'fake/gpt-a') ?? { failures: 0, requests: 0 }
        fake.script('gpt-a', [{ kind: 'status', status: 500 }])
        await card.getByLabel('Test prompt').fill('Ping through the route')
        await card.getByRole('button', { name: 'Send through route' }).click()
        await card.getByText('Answered by').waitFor()
        await card.getByText('fake/gpt-b', { exact: true }).last().waitFor()
        await card.getByText('Hello, world!').waitFor()
        // Health: the failure is counted against gpt-a's breaker.
        await card.getByText(`${before.failures + 1}/${before.requests + 1} failed`).waitFor()
        expect(await card.getByText('healthy').count()).toBeGreaterThan(0)
        await noOverflow()
        await shot('routes')
        await shotOf('route-dry-run', card.getByRole('status').filter({ hasText: 'Answered by' }))
        await card.getByRole('button', { name: `Edit ${alias}` }).click()
        await page.getByRole('dialog', { name: `Edit route ${alias}` }).waitFor()
        await shot('route-editor')
        await page.getByRole('button', { name: 'Close' }).click()
      },
      T,
    )

    it(
      'Reviews: the starter is told before clicking; another run is approved and the badge drops',
      async () => {
        const wf = await api('POST', '/api/v1/workflows', 'owner', { yaml: RECIPE(`gated-${size.name}`) })
        // One run started by this browser session (its starter), one by a member.
        const own = await page.evaluate<{ http: number; id: string }>(
          `fetch('/api/v1/workflows/${wf.id}/runs', { method: 'POST', headers: { 'content-type': 'application/json',
           'x-csrf-token': decodeURIComponent(document.cookie.match(/lk_csrf=([^;]+)/)[1]) },
           body: JSON.stringify({ inputs: { text: 'mine' } }) }).then(async (r) => ({ ...(await r.json()), http: r.status }))`,
        )
        expect(own.http).toBe(202)
        const other = await api('POST', `/api/v1/workflows/${wf.id}/runs`, 'member', {
          inputs: { text: 'theirs' },
        })
        // Both parked at the gate (the server's wait, not a sleep).
        for (const id of [own.id, other.id])
          expect(await api('GET', `/api/v1/runs/${id}?wait=30`, 'owner')).toMatchObject({
            status: 'waiting_review',
          })
        await go('/reviews', 'Reviews')
        // On a phone the nav is a closed drawer: a CSS locator finds the badge there too.
        const badge = page.locator('nav a[href="/reviews"] .nav-count')
        await expect.poll(() => badge.textContent()).toMatch(/^1\b/)
        // Mine to decide: only the member's run. Everything: mine too, with the reason and no buttons.
        await page.getByLabel('Workflow', { exact: true }).selectOption(`gated-${size.name}`)
        await expect.poll(() => page.getByRole('button', { name: 'Approve' }).count()).toBe(1)
        await page.getByLabel('Show', { exact: true }).selectOption('all')
        await page
          .getByText(/You cannot decide this one: the run’s starter may not approve their own run/)
          .waitFor()
        await expect.poll(() => page.getByRole('button', { name: 'Approve' }).count()).toBe(1)
        await noOverflow()
        await shot('reviews')
        await shotOf('review-decide', page.getByRole('button', { name: 'Approve' }))
        await page.getByLabel('Comment (optional)').fill('Reads well')
        await page.getByRole('button', { name: 'Approve' }).click()
        await page.getByText(`gated-${size.name} approved: the run resumes.`).waitFor()
        // The badge follows at once: no reload, no navigation.
        await expect.poll(() => badge.count()).toBe(0)
        const decided = (await api('GET', `/api/v1/runs/${other.id}?wait=10`, 'member')) as {
          status: string
          steps: { review?: { comment?: string; byName?: string } }[]
        }
        expect(decided.steps[0]?.review).toMatchObject({ comment: 'Reads well' })
        expect(problems).toEqual([])
      },
      T,
    )
  })
})
