/**
 * Suites that spawn the real CLI (`bin/latchkey.js` → dist/) need a current build. `npm ci`
 * builds through `prepare`; during development we rebuild when a source file is newer.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs)
  }
  return newest
}

/**
 * Every temp folder of the run (test homes, sockets, browser profiles, child servers' homes)
 * goes under one run folder, removed at the end: runs leave nothing in the temp directory.
 */
function runTempDir(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-run-'))
  process.env.TMPDIR = dir
  return () => fs.rmSync(dir, { recursive: true, force: true })
}

export default function setup(): () => void {
  const removeTemp = runTempDir()
  const root = path.resolve(import.meta.dirname, '..')
  const built = path.join(root, 'dist/cli/index.js')
  // Mutation runs (vitest.mutate.config.ts) test src/ in process: a build of mutated sources
  // would only cost time.
  const stale =
    process.env.LATCHKEY_TEST_NO_BUILD !== '1' &&
    (!fs.existsSync(built) || newestMtime(path.join(root, 'src')) > fs.statSync(built).mtimeMs)
  if (stale) {
    try {
      execFileSync(
        process.execPath,
        [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        {
          cwd: root,
          stdio: 'pipe',
        },
      )
    } catch (err) {
      // tsc still emits on type errors; those are the typecheck step's job to report.
      if (!fs.existsSync(built)) throw err
    }
  }
  return removeTemp
}
