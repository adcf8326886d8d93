// Minimal ESM loader for child processes in tests: runs the TypeScript sources directly
// (type-stripping via typescript.transpileModule), mapping `./x.js` imports to `./x.ts`.
// Tests that need a separate process (kill -9) use it; vitest itself needs nothing.
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts') && /^(\.|\/|file:)/.test(specifier)) {
    const url = new URL(specifier, context.parentURL)
    const tsUrl = `${url.href.slice(0, -3)}.ts`
    if (fs.existsSync(fileURLToPath(tsUrl))) return { url: tsUrl, shortCircuit: true }
  }
  return next(specifier, context)
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context)
  const file = fileURLToPath(url)
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  })
  return { format: 'module', source: out.outputText, shortCircuit: true }
}
