/**
 * `latchkey check-swap --models A,B [--request FILE]` — a client of the running server
 * (LATCHKEY_URL, LATCHKEY_TOKEN): sends the same Chat request through each model and reports
 * whether the answers are structurally identical. A terminal gets a table; `--json` (or a
 * pipe, as before tables existed) gets the JSON report on stdout and the table on stderr.
 * Exit code 1 when the answers differ.
 * @module
 */
import fs from 'node:fs'
import type { Command } from 'commander'
import { checkSwap, type SwapReport } from '../../providers/check-swap.js'
import type { ChatCompletion } from '../../providers/translate/openai-chat.js'
import { clientFrom } from '../api-client.js'
import { CliError } from '../index.js'
import { printJson, renderTable, wantsJson } from '../output.js'
import { progressLine } from '../progress.js'

export function formatSwapReport(r: SwapReport): string {
  const head = ['model', 'finish', 'tools', 'json keys', 'tokens in/out', 'cost', 'latency']
  const rows = r.answers.map((a) => [
    a.model,
    a.finish ?? 'error',
    a.toolCalls.map((c) => `${c.name}(${Object.keys(c.args).join(',')})`).join(' ') || '-',
    a.jsonKeys?.join(',') ?? '-',
    a.usage ? `${a.usage.input}/${a.usage.output}` : '-',
    a.costUsd === null ? '-' : `$${a.costUsd.toFixed(6)}`,
    `${a.latencyMs}ms`,
  ])
  const errors = r.answers.filter((a) => a.error).map((a) => `${a.model}: ${a.error}\n`)
  const verdict = r.identical ? 'structurally identical' : `DIFFERENT:\n  ${r.differences.join('\n  ')}`
  return `${renderTable(head, rows)}${errors.join('')}${verdict}\n`
}

export function registerCheckSwapCommand(program: Command): void {
  program
    .command('check-swap')
    .description('send one request through several models and check the answers are structurally identical')
    .requiredOption(
      '--models <list>',
      'comma-separated models, e.g. openai-prod/gpt-4.1-mini,anthropic-prod/claude-sonnet-4-5',
    )
    .option('--request <file>', 'Chat Completions request JSON (model is replaced per run)')
    .option('--json', 'print the report JSON on stdout (the default when stdout is not a terminal)')
    .action(async (opts: { models: string; request?: string; json?: boolean }) => {
      const models = opts.models
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean)
      if (models.length < 2) throw new CliError('--models needs at least two models (comma-separated)')
      let request: Record<string, unknown> | undefined
      if (opts.request) {
        try {
          request = JSON.parse(fs.readFileSync(opts.request, 'utf8')) as Record<string, unknown>
        } catch (err) {
          throw new CliError(`cannot read ${opts.request}: ${(err as Error).message}`)
        }
      }
      const client = clientFrom(process.env)
      const progress = progressLine(process.stderr)
      let asked = 0
      const send = (model: string, body: Record<string, unknown>): Promise<ChatCompletion> => {
        progress.update(`asking ${model} (${++asked} of ${models.length})`)
        return client.call<ChatCompletion>('POST', '/v1/chat/completions', body)
      }
      const report = await checkSwap(send, models, request)
      progress.done()
      if (wantsJson(opts, process.stdout, true)) {
        printJson(process.stdout, report)
        process.stderr.write(formatSwapReport(report))
      } else process.stdout.write(formatSwapReport(report))
      if (!report.identical) process.exitCode = 1
    })
}
