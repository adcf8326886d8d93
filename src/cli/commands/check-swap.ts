/**
 * `latchkey check-swap --models A,B [--request FILE]` — a client of the running server
 * (LATCHKEY_URL, LATCHKEY_TOKEN): sends the same Chat request through each model and reports
 * whether the answers are structurally identical. The JSON report goes to stdout, a readable
 * table to stderr; exit code 1 when the answers differ.
 * @module
 */
import fs from 'node:fs'
import type { Command } from 'commander'
import { checkSwap, type SwapReport } from '../../providers/check-swap.js'
import type { ChatCompletion } from '../../providers/translate/openai-chat.js'
import { clientFrom } from '../api-client.js'
import { CliError } from '../index.js'

export function formatSwapReport(r: SwapReport): string {
  const lines = r.answers.map((a) => {
    const tools = a.toolCalls.map((c) => `${c.name}(${Object.keys(c.args).join(',')})`).join(' ') || '-'
    const tokens = a.usage ? `${a.usage.input}/${a.usage.output}` : '-'
    const cost = a.costUsd === null ? '-' : `$${a.costUsd.toFixed(6)}`
    return `${a.model}\tfinish=${a.finish ?? 'error'}\ttools=${tools}\tjson=${a.jsonKeys?.join(',') ?? '-'}\ttokens=${tokens}\tcost=${cost}\t${a.latencyMs}ms${a.error ? `\terror=${a.error}` : ''}`
  })
  lines.push(r.identical ? 'structurally identical' : `DIFFERENT:\n  ${r.differences.join('\n  ')}`)
  return `${lines.join('\n')}\n`
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
    .action(async (opts: { models: string; request?: string }) => {
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
      const send = (_model: string, body: Record<string, unknown>): Promise<ChatCompletion> =>
        client.call<ChatCompletion>('POST', '/v1/chat/completions', body)
      const report = await checkSwap(send, models, request)
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
      process.stderr.write(formatSwapReport(report))
      if (!report.identical) process.exitCode = 1
    })
}
