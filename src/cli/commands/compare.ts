/**
 * `latchkey compare RECIPE.yaml --input in.json --models A,B[,C]`: runs the whole recipe once
 * per model (every model step switched to it) on the server and reports side by side whether
 * the output keeps its shape, schema validity, tokens, cost and latency. The report JSON goes
 * to stdout, the table to stderr.
 * @module
 */
import type { Command } from 'commander'
import { ensureWorkflow } from '../../workflows/cli/api-client.js'
import { usd } from '../../workflows/cli/summary.js'
import type { CompareReport } from '../../workflows/compare.js'
import { clientFrom } from '../api-client.js'
import { CliError } from '../index.js'
import { asCli, type RunIo, readJsonFile, readRecipe } from './run.js'

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
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)))
  const line = (cols: string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  const verdict = r.shapesEqual
    ? 'output shape is the same for every model'
    : 'output shape DIFFERS (or a run failed)'
  const errors = r.columns.filter((c) => c.error).map((c) => `${c.model}: ${c.error}`)
  return `${[line(head), ...rows.map(line), verdict, ...errors].join('\n')}\n`
}

export async function compareCommand(
  file: string,
  o: { input?: string; models?: string },
  io: RunIo,
): Promise<number> {
  const yaml = readRecipe(file)
  const models = (o.models ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (models.length < 2) throw new CliError('--models needs at least two comma-separated models', 2)
  if (!o.input) throw new CliError('give --input FILE.json', 2)
  const inputs = readJsonFile(o.input, 'input')
  const client = clientFrom(io.env)
  return asCli(async () => {
    const wf = await ensureWorkflow(client, yaml)
    const { id } = await client.call<{ id: string }>('POST', `/api/v1/workflows/${wf.id}/compare`, {
      inputs,
      models,
    })
    let report: CompareReport
    do report = await client.call<CompareReport>('GET', `/api/v1/workflow-compares/${id}?wait=30`)
    while (report.status === 'running')
    io.stderr.write(compareTable(report))
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    return report.shapesEqual ? 0 : 1
  })
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare <recipe>')
    .description('run a recipe once per model and compare output shape, validity, tokens, cost, latency')
    .requiredOption('--input <file>', 'JSON file with the recipe inputs')
    .requiredOption(
      '--models <list>',
      'comma-separated models, e.g. openai/gpt-4o-mini,anthropic/claude-sonnet-4-5',
    )
    .action(async (recipe: string, o: { input?: string; models?: string }) => {
      process.exitCode = await compareCommand(recipe, o, {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
      })
    })
}
