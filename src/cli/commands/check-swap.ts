/**
 * `latchkey check-swap --models A,B [--request FILE]` — a client of the running server
 * (LATCHKEY_URL, LATCHKEY_TOKEN): sends the same Chat request through each model and reports
 * whether the answers are structurally identical. The JSON report goes to stdout, a readable
 * table to stderr; exit code 1 when the answers differ.
 * @module
 */
import fs from 'node:fs'
import type { Command } from 'commander'
import { loadConfig } from '../../config/config.js'
import { checkSwap, type SwapReport } from '../../providers/check-swap.js'
import type { ChatCompletion } from '../../providers/translate/openai-chat.js'
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
      const config = loadConfig()
      if (!config.token) throw new CliError('set LATCHKEY_TOKEN to an access token (lk_…)')
      const send = async (_model: string, body: Record<string, unknown>): Promise<ChatCompletion> => {
        let res: Response
        try {
          res = await fetch(`${config.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        } catch (err) {
          const e = err as Error & { cause?: Error }
          throw new CliError(`cannot reach ${config.url} (LATCHKEY_URL): ${e.cause?.message ?? e.message}`)
        }
        const json = (await res.json().catch(() => ({}))) as ChatCompletion & { error?: { message?: string } }
        if (!res.ok) throw new Error(`HTTP ${res.status}: ${json.error?.message ?? 'request failed'}`)
        return json
      }
      const report = await checkSwap(send, models, request)
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
      process.stderr.write(formatSwapReport(report))
      if (!report.identical) process.exitCode = 1
    })
}
