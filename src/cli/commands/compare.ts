/**
 * `latchkey compare RECIPE.yaml --input in.json --models A,B[,C]`: runs the whole recipe once
 * per model (every model step switched to it) on the server and reports side by side whether
 * the output keeps its shape, schema validity, tokens, cost and latency. A terminal gets the
 * table; `--json` (or a pipe, as before tables existed) gets the report JSON on stdout with
 * the table on stderr. `--map` points the recipe's credential names at yours (run.ts).
 * @module
 */
import type { Command } from 'commander'
import { usd } from '../../workflows/cli/summary.js'
import type { CompareReport } from '../../workflows/compare.js'
import { clientFrom } from '../api-client.js'
import { CliError } from '../index.js'
import { printJson, renderTable, wantsJson } from '../output.js'
import { progressLine } from '../progress.js'
import { addMapOption, asCli, mappedRecipe, type RunIo, readJsonFile, readRecipe, saveRecipe } from './run.js'

export function compareTable(r: CompareReport): string {
  const head = ['model', 'status', 'same shape', 'schema valid', 'tokens in/out', 'cost', 'latency']
  const yn = (v: boolean | null) => (v == null ? '-' : v ? 'yes' : 'no')
  const rows = r.columns.map((c) => [
    c.model,
    c.status,
    yn(c.sameShapeAsFirst),
    yn(c.schemaValid),
    `${c.usage.inputTokens}/${c.usage.outputTokens}`,
    usd(c.costUsd),
    `${c.latencyMs}ms`,
  ])
  const verdict = r.shapesEqual
    ? 'output shape is the same for every model'
    : 'output shape DIFFERS (or a run failed)'
  const errors = r.columns.filter((c) => c.error).map((c) => `${c.model}: ${c.error}\n`)
  return `${renderTable(head, rows)}${verdict}\n${errors.join('')}`
}

export interface CompareOptions {
  input?: string
  models?: string
  map?: string[]
  json?: boolean
}

export async function compareCommand(file: string, o: CompareOptions, io: RunIo): Promise<number> {
  const yaml = mappedRecipe(readRecipe(file), o.map ?? [])
  const models = (o.models ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (models.length < 2) throw new CliError('--models needs at least two comma-separated models', 2)
  if (!o.input) throw new CliError('give --input FILE.json', 2)
  const inputs = readJsonFile(o.input, 'input')
  const client = clientFrom(io.env)
  return asCli(async () => {
    const wf = await saveRecipe(client, yaml)
    const { id } = await client.call<{ id: string }>('POST', `/api/v1/workflows/${wf.id}/compare`, {
      inputs,
      models,
    })
    const progress = progressLine(io.stderr)
    progress.update(`comparing ${models.length} models`)
    let report: CompareReport
    for (;;) {
      report = await client.call<CompareReport>('GET', `/api/v1/workflow-compares/${id}?wait=30`)
      if (report.status !== 'running') break
      const finished = report.columns.filter(
        (c) => !['queued', 'running', 'waiting_review'].includes(c.status),
      )
      progress.update(`comparing ${models.length} models: ${finished.length} finished`)
    }
    progress.done()
    if (wantsJson(o, io.stdout, true)) {
      io.stderr.write(compareTable(report))
      printJson(io.stdout, report)
    } else io.stdout.write(compareTable(report))
    return report.shapesEqual ? 0 : 1
  })
}

export function registerCompareCommand(program: Command): void {
  const cmd = program
    .command('compare <recipe>')
    .description('run a recipe once per model and compare output shape, validity, tokens, cost, latency')
    .requiredOption('--input <file>', 'JSON file with the recipe inputs')
    .requiredOption(
      '--models <list>',
      'comma-separated models, e.g. openai/gpt-4o-mini,anthropic/claude-sonnet-4-5',
    )
  addMapOption(cmd)
    .option('--json', 'print the report JSON on stdout (the default when stdout is not a terminal)')
    .action(async (recipe: string, o: CompareOptions) => {
      process.exitCode = await compareCommand(recipe, o, {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
      })
    })
}
