#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { main } from '../dist/cli/index.js'

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code
  },
  (err) => {
    process.stderr.write(`latchkey: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)
