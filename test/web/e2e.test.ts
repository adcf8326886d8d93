/**
 * The workspace end to end in headless Chromium against a real server and a fake OpenAI
 * upstream: sign in with a token, add a key (the secret never reaches the DOM again), chat with
 * streaming, switch model mid-conversation (the second request carries the earlier turns),
 * compare two models, see usage, verify the audit chain. Screenshots go to docs/screenshots.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeUpstream, startFakeOpenAI } from '../fakes/openai-upstream.js'
import { UPSTREAM_KEY } from '../gateway/gateway-helpers.js'
import { createTestEnv, PG_URL, type TestEnv } from '../helpers.js'
import { ensureWebBuild, HAS_CHROMIUM, launch, SHOTS } from './browser.js'

const T = 60_000

const RECIPE = `name: e2e-summary
description: Summarize, then a person approves
inputs:
  text: string
steps:
  - id: summary
    model: fake/gpt-a
    prompt: "Summarize: {{ inputs.text }}"
    review: true
output: "{{ steps.summary.output }}"
`

describe.skipIf(!HAS_CHROMIUM)('workspace in a browser', () => {
  let env: TestEnv
  let fake: FakeUpstream
  let browser: Browser
  let ctx: BrowserContext
  let page: Page
  let base: string
  const consoleErrors: string[] = []
  const failedLoads: string[] = []

  const shot = async (name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) })
  }

  beforeAll(async () => {
    ensureWebBuild()
    fake = await startFakeOpenAI()
    // CI runs the suite on SQLite, then again with PostgreSQL + Redis: the browser test follows.
    env = await createTestEnv(PG_URL ? 'postgres' : 'sqlite', { redis: true })
    await env.app.listen({ port: 0, host: '127.0.0.1' })
    const addr = env.app.server.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    browser = await launch()
    ctx = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' })
    // Waits end with the test's own timeout, not Playwright's 30 s default: on a loaded machine a
    // step may be slow, and that alone is not a failure.
    ctx.setDefaultTimeout(T)
    page = await ctx.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error')
        consoleErrors.push(`${m.text().slice(0, 60)} @ ${JSON.stringify(m.location())}`)
    })
    page.on('pageerror', (e) => consoleErrors.push(e.message))
    page.on('response', (r) => {
      if (r.status() >= 400) failedLoads.push(`${r.status()} ${new URL(r.url()).pathname}`)
    })
  }, T)

  afterAll(async () => {
    await browser?.close()
    await env?.close()
    await fake?.close()
  })

  it(
    'shows the first-run help and signs in with an access token',
    async () => {
      await page.goto(`${base}/keys`)
      await page.waitForURL(/\/sign-in/)
      await expect.poll(() => page.getByText('latchkey admin token --name me').count()).toBe(1)
      await page.getByRole('tab', { name: 'Access token' }).click()
      await page.getByLabel('Access token').fill(env.tokens.owner)
      await shot('sign-in')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL(/\/keys$/)
      await page.getByRole('heading', { name: 'Keys', exact: true }).waitFor()
      // The token became an httpOnly session cookie; it is not kept in the page.
      const cookies = await ctx.cookies()
      expect(cookies.find((c) => c.name === 'lk_session')?.httpOnly).toBe(true)
      // Page-side code as strings: this file compiles without the DOM lib.
      expect(await page.evaluate<string>('JSON.stringify(sessionStorage)')).not.toContain('lk_')
    },
    T,
  )

  it(
    'adds a key; the secret never appears in the DOM afterwards',
    async () => {
      await page.getByRole('button', { name: 'Add key' }).first().click()
      const dialog = page.getByRole('dialog', { name: 'Add a provider key' })
      await dialog.getByLabel('Name').fill('fake')
      await dialog.getByLabel('Provider').selectOption('openai-compatible')
      await dialog.getByLabel(/Base URL/).fill(fake.baseUrl)
      await dialog.getByLabel(/Models/).fill('gpt-a, gpt-b')
      await dialog.getByLabel('API key').fill(UPSTREAM_KEY)
      await dialog.getByRole('button', { name: 'Add key' }).click()
      await page.getByRole('cell', { name: 'fake', exact: true }).waitFor()
      await page.getByText(/fake added/).waitFor()
      const html = await page.content()
      expect(html).not.toContain(UPSTREAM_KEY)
      expect(html).toContain(UPSTREAM_KEY.slice(-4))
      const values = await page.evaluate<string[]>(
        "[...document.querySelectorAll('input, textarea')].map((e) => e.value)",
      )
      expect(values.join('\n')).not.toContain(UPSTREAM_KEY)
      await shot('keys')
      // Grant use of the key to the workspace, by picking it in the Access dialog.
      await page.getByRole('button', { name: 'Access' }).click()
      const access = page.getByRole('dialog', { name: 'Who may use fake' })
      await access.getByLabel('Grant to').selectOption('workspace')
      await access.getByLabel('Who').fill(env.workspaceId)
      await access.getByRole('button', { name: 'Grant' }).click()
      await access.getByRole('cell', { name: /workspace Default/ }).waitFor()
      await access.getByRole('button', { name: 'Close' }).click()
    },
    T,
  )

  it(
    'sets a price override and a budget on the settings page',
    async () => {
      await page.getByRole('link', { name: /Settings/ }).click()
      const prices = page.getByRole('form', { name: 'Add a price override' })
      await prices.getByLabel(/Provider kind/).fill('openai-compatible')
      await prices.getByLabel('Model').fill('*')
      await prices.getByLabel('Input USD / M tokens').fill('2.5')
      await prices.getByLabel('Output USD / M tokens').fill('10')
      await prices.getByRole('button', { name: 'Add override' }).click()
      await page.getByRole('cell', { name: 'every model' }).waitFor()
      await page.getByRole('cell', { name: 'openai-compatible' }).waitFor()
      const budget = page.getByRole('form', { name: 'Add a budget' })
      await budget.getByLabel('Limit (USD)').fill('25')
      await budget.getByRole('button', { name: 'Add budget' }).click()
      await page.getByRole('cell', { name: '$25.00' }).waitFor()
      // Owners edit org policy: content storage stays off by default.
      await expect.poll(() => page.getByLabel('Store prompts and outputs').isChecked()).toBe(false)
      await shot('settings')
    },
    T,
  )

  it('chats with streaming, then switches model and sends the earlier turns along', {
    timeout: T,
  }, async () => {
    await page.getByRole('link', { name: /Chat/ }).click()
    // A fresh conversation, so a retry starts from the same state as the first attempt.
    await page.getByRole('button', { name: 'New chat' }).click()
    const model = page.getByLabel('Model', { exact: true })
    await expect.poll(() => model.locator('option').count()).toBeGreaterThanOrEqual(2)
    await model.selectOption('fake/gpt-a')
    await page.getByLabel('Message').fill('What is Latchkey?')
    await page.getByRole('button', { name: 'Send' }).click()
    const first = page.getByRole('article', { name: 'Answer from fake/gpt-a' })
    await first.getByText('Hello, world!').waitFor()
    await first.getByText(/\d+ → \d+ tok/).waitFor()

    await model.selectOption('fake/gpt-b')
    await page.getByLabel('Message').fill('Say it again')
    await page.getByRole('button', { name: 'Send' }).click()
    await page.getByText('Switched to fake/gpt-b').waitFor()
    await page.getByRole('article', { name: 'Answer from fake/gpt-b' }).getByText('Hello, world!').waitFor()

    const chats = fake.requests.filter((r) => r.path === '/v1/chat/completions')
    const last = chats.at(-1)!.body!
    expect(last.model).toBe('gpt-b')
    expect(last.stream).toBe(true)
    expect(last.messages).toEqual([
      { role: 'user', content: 'What is Latchkey?' },
      { role: 'assistant', content: 'Hello, world!' },
      { role: 'user', content: 'Say it again' },
    ])
    await shot('chat')
  })

  it(
    'renders markdown and code but no markup from the model; stop ends a slow answer; chats survive a reload',
    async () => {
      await page.getByRole('button', { name: 'New chat' }).click()
      const words = fake.words
      fake.words = [
        'Here:\n\n',
        '```js\nconst a = 1\n```\n\n',
        '<img src=x onerror="window.__xss=1">',
        '**bold**',
      ]
      try {
        await page.getByLabel('Model', { exact: true }).selectOption('fake/gpt-a')
        await page.locator('summary', { hasText: 'System prompt' }).click()
        await page.getByLabel('System prompt').fill('Answer in code.')
        await page.getByLabel('Message').fill('Show code')
        await page.getByRole('button', { name: 'Send' }).click()
        const answer = page.getByRole('article', { name: 'Answer from fake/gpt-a' })
        await answer.locator('pre code').getByText('const a = 1').waitFor()
        await answer.locator('strong').getByText('bold').waitFor()
        expect(await answer.locator('img').count()).toBe(0)
        // Raw HTML from a model is shown as text, not parsed.
        await answer.getByText('<img src=x onerror="window.__xss=1">').waitFor()
        expect(await page.evaluate<unknown>('window.__xss')).toBeUndefined()
        const sent = fake.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body!
        expect(sent.messages).toEqual([
          { role: 'system', content: 'Answer in code.' },
          { role: 'user', content: 'Show code' },
        ])
      } finally {
        fake.words = words
      }

      // The answer's first word arrives, then the upstream holds until the test says so: Stop
      // always lands mid-answer, however slow the machine.
      let release!: () => void
      const gate = new Promise<void>((r) => {
        release = r
      })
      fake.script('gpt-a', [{ kind: 'held', after: 1, gate }])
      const abortedBefore = fake.aborted
      await page.getByLabel('Message').fill('Take your time')
      await page.getByRole('button', { name: 'Send' }).click()
      // Streaming: the first word shows while the rest is still on its way.
      const slow = page.getByRole('article', { name: 'Answer from fake/gpt-a' }).last()
      await slow.getByText('Hello').waitFor()
      expect(await slow.textContent()).not.toContain('world')
      await page.getByRole('button', { name: /Stop/ }).click()
      await page.getByText('Stopped.').waitFor()
      expect(await slow.textContent()).not.toContain('world')
      await expect.poll(() => fake.aborted).toBeGreaterThan(abortedBefore)
      release()
      await page.getByRole('button', { name: 'Send' }).waitFor()

      await page.reload()
      await page.getByRole('button', { name: /^Show code/ }).waitFor()
      await page.getByRole('button', { name: /^What is Latchkey\?/ }).waitFor()
    },
    T,
  )

  it(
    'compares two models side by side over one stream',
    async () => {
      await page.getByRole('link', { name: /Compare/ }).click()
      await page.getByLabel('Model 1').selectOption('fake/gpt-a')
      await page.getByLabel('Model 2').selectOption('fake/gpt-b')
      await page.getByLabel('Prompt', { exact: true }).fill('Write a haiku about keys')
      const before = fake.requests.length
      await page.getByRole('button', { name: 'Compare', exact: true }).click()
      for (const m of ['fake/gpt-a', 'fake/gpt-b']) {
        const col = page.getByRole('region', { name: `Answer from ${m}` })
        await col.getByText('Hello, world!').waitFor()
        await col.getByRole('button', { name: /Pick as winner/ }).waitFor()
        await expect.poll(() => col.locator('dd').first().textContent()).toMatch(/ms|s$/)
      }
      expect(fake.requests.slice(before).filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2)
      await page
        .getByRole('region', { name: 'Answer from fake/gpt-b' })
        .getByRole('button', { name: /Pick as winner/ })
        .click()
      await page.getByText('winner', { exact: true }).waitFor()
      await shot('compare')
    },
    T,
  )

  it(
    'writes a recipe (errors shown at their line), runs it from the inputs form and approves its review',
    async () => {
      await page.getByRole('link', { name: /Workflows/ }).click()
      await page.getByRole('button', { name: 'New workflow' }).click()
      const editor = page.getByLabel('Recipe YAML')
      await editor.fill('name: broken\nsteps:\n  - id: a\n   model: x\n')
      await page
        .getByRole('list', { name: 'Errors' })
        .getByText(/Line 4/)
        .waitFor()
      await editor.fill(RECIPE)
      await expect.poll(() => page.getByRole('list', { name: 'Errors' }).count()).toBe(0)
      await page.getByRole('button', { name: 'Save' }).click()
      await page.getByText(/Saved e2e-summary version 1/).waitFor()
      await page.getByLabel('text', { exact: true }).fill('Latchkey keeps provider keys sealed.')
      await page.getByRole('button', { name: 'Start run' }).click()
      await page.waitForURL(/\/workflows\/runs\//)
      await page.getByRole('heading', { name: 'Waiting for your review' }).waitFor()
      await page.getByText('Hello, world!').first().waitFor()
      await shot('workflow-review')
      await page.getByLabel('Comment (optional)').fill('Looks right')
      await page.getByRole('button', { name: 'Approve' }).click()
      await page.getByText('succeeded', { exact: true }).first().waitFor()
      const modelCalls = fake.requests.filter((r) => r.path === '/v1/chat/completions')
      expect(JSON.stringify(modelCalls.at(-1)!.body!.messages)).toContain(
        'Latchkey keeps provider keys sealed.',
      )
    },
    T,
  )

  it(
    'verifies the audit chain',
    async () => {
      await page.getByRole('link', { name: /Audit/ }).click()
      await page.getByRole('heading', { name: 'Audit' }).waitFor()
      await page.getByRole('button', { name: 'Verify chain' }).click()
      await page.getByText(/Chain verified/).waitFor()
      await shot('audit')
    },
    T,
  )

  it(
    'renders the usage chart',
    async () => {
      await page.getByRole('link', { name: /Usage/ }).click()
      await page.getByRole('heading', { name: 'Usage' }).waitFor()
      await page.locator('.chart canvas').first().waitFor()
      await page.getByRole('cell', { name: /gpt-a/ }).first().waitFor()
      await shot('usage')
    },
    T,
  )

  it(
    'invites a member, who joins through the invite page and later signs in with a password',
    async () => {
      await page.getByRole('link', { name: /Members/ }).click()
      const invite = page.getByRole('form', { name: 'Invite a member' })
      await invite.getByLabel('Invite by email').fill('new.member@example.com')
      await invite.getByRole('button', { name: 'Create invite' }).click()
      const link = await page.getByLabel(/Invite link/).inputValue()
      expect(link.startsWith(`${base}/invite#token=`)).toBe(true)
      await page.getByRole('cell', { name: 'new.member@example.com', exact: true }).waitFor()
      await shot('members')

      // An access token is shown once, then only its prefix.
      const tokens = page.getByRole('form', { name: 'Create an access token' })
      await tokens.getByLabel('Token name').fill('ci-pipeline')
      await tokens.getByLabel('gateway').check()
      await tokens.getByRole('button', { name: 'Create token' }).click()
      const raw = await page.getByLabel('New access token').inputValue()
      expect(raw).toMatch(/^lk_/)
      await page.getByRole('region', { name: 'Access tokens' }).getByRole('button', { name: 'Done' }).click()
      await page.getByRole('cell', { name: 'ci-pipeline' }).waitFor()
      expect(await page.content()).not.toContain(raw)

      // Workspaces: create one and give the new member a role in it.
      await page
        .getByRole('form', { name: 'Create a workspace' })
        .getByLabel('New workspace')
        .fill('Research')
      await page
        .getByRole('form', { name: 'Create a workspace' })
        .getByRole('button', { name: 'Create' })
        .click()
      await page.getByRole('region', { name: 'Workspaces' }).getByText('Research', { exact: true }).waitFor()
      await page.getByLabel('Add new.member@example.com to a workspace').selectOption({ label: 'Research' })
      await page.getByRole('button', { name: 'Add', exact: true }).click()
      await page.getByText('Research · member').waitFor()

      const other = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      const p2 = await other.newPage()
      await p2.goto(link)
      await p2.getByLabel('New password').fill('correct horse battery staple')
      await p2.getByLabel('Confirm password').fill('correct horse battery staple')
      await p2.getByRole('button', { name: 'Join' }).click()
      await p2.waitForURL(/\/chat$/)
      expect(p2.url()).not.toContain('token=')
      await p2.getByText('new.member@example.com').first().waitFor()
      await p2.getByRole('button', { name: 'Sign out' }).click()
      await p2.waitForURL(/\/sign-in/)
      await p2.getByLabel('Email').fill('new.member@example.com')
      await p2.getByLabel('Password').fill('wrong password here')
      await p2.getByRole('button', { name: 'Sign in' }).click()
      await p2
        .getByRole('alert')
        .getByText(/wrong email or password/)
        .waitFor()
      await p2.getByLabel('Password').fill('correct horse battery staple')
      await p2.getByRole('button', { name: 'Sign in' }).click()
      await p2.waitForURL(/\/chat$/)
      // Members do not see the audit log.
      expect(await p2.getByRole('link', { name: /Audit/ }).count()).toBe(0)
      await other.close()
    },
    T,
  )

  it(
    'shows auditors a read-only workspace',
    async () => {
      const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' })
      const p3 = await other.newPage()
      await p3.goto(`${base}/sign-in`)
      await p3.getByRole('tab', { name: 'Access token' }).click()
      await p3.getByLabel('Access token').fill(env.tokens.auditor)
      await p3.getByRole('button', { name: 'Sign in' }).click()
      await p3.waitForURL(/\/chat$/)
      await p3
        .getByRole('note')
        .getByText(/Read-only/)
        .waitFor()
      await p3.goto(`${base}/keys`)
      await p3.getByRole('cell', { name: 'fake', exact: true }).waitFor()
      expect(await p3.getByRole('button', { name: 'Add key' }).count()).toBe(0)
      expect(await p3.getByRole('button', { name: 'Revoke' }).count()).toBe(0)
      await p3.goto(`${base}/usage`)
      await p3.locator('.chart canvas').first().waitFor()
      await p3.screenshot({ path: path.join(SHOTS, 'usage-dark.png') })
      await other.close()
    },
    T,
  )

  it('logged no console errors and no CSP violations', () => {
    expect(consoleErrors.filter((e) => !/^Failed to load resource/.test(e))).toEqual([])
    // (a console error here would include any CSP violation report from the browser)
    // The only failed loads allowed are the signed-out session probe.
    expect(failedLoads.filter((l) => l !== '401 /api/v1/me')).toEqual([])
  })
})
