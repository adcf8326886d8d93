/**
 * Browser e2e support: Debian's chromium driven by playwright-core, a current web build, and
 * screenshot output. Suites skip (with a message) when /usr/bin/chromium is absent.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { available } from '../requirements.js'

export const CHROMIUM = process.env.LATCHKEY_CHROMIUM ?? '/usr/bin/chromium'
export const HAS_CHROMIUM = available(
  'chromium',
  fs.existsSync(CHROMIUM),
  `no ${CHROMIUM}; apt-get install chromium`,
)

const ROOT = path.resolve(import.meta.dirname, '../..')
/**
 * Where the e2e test saves screenshots: a temp folder by default (so test runs leave the tree
 * clean); `LATCHKEY_SCREENSHOTS_DIR=docs/screenshots` refreshes the ones the docs show.
 */
export const SHOTS = process.env.LATCHKEY_SCREENSHOTS_DIR
  ? path.resolve(ROOT, process.env.LATCHKEY_SCREENSHOTS_DIR)
  : path.join(os.tmpdir(), 'latchkey-screenshots')

function newest(dir: string): number {
  let n = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    n = Math.max(n, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs)
  }
  return n
}

/** Builds web/dist when it is missing or older than web/src (npm ci builds it via prepare). */
export function ensureWebBuild(): void {
  const index = path.join(ROOT, 'web/dist/index.html')
  const stale =
    !fs.existsSync(index) ||
    Math.max(newest(path.join(ROOT, 'web/src')), fs.statSync(path.join(ROOT, 'web/index.html')).mtimeMs) >
      fs.statSync(index).mtimeMs
  if (stale) {
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'error'],
      {
        cwd: ROOT,
        stdio: 'pipe',
      },
    )
  }
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}
