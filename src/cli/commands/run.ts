/**
 * `latchkey run RECIPE.yaml --input in.json` and `--batch in.jsonl|csv`: a client of the
 * running server (LATCHKEY_URL, LATCHKEY_TOKEN). stdout carries only the output JSON (or
 * nothing in batch mode, where results go to --out); summaries and progress go to stderr.
 * @module
 */
import fs from 'node:fs'
import type { Command } from 'commander'
import { ensureWorkflow, parseSets, waitForRun } from '../../workflows/cli/api-client.js'
import { runBatch } from '../../workflows/cli/batch.js'
import { parseBatch } from '../../workflows/cli/batch-input.js'
import { applyModelChoices, parseMaps } from '../../workflows/cli/map-models.js'
import { runSummary, usd } from '../../workflows/cli/summary.js'
import { parseRecipe } from '../../workflows/parse-recipe.js'
import { ApiError, clientFrom, type JsonClient } from '../api-client.js'
import { CliError } from '../index.js'
import { printJson } from '../output.js'

export interface RunIo {
  stdout: { write(s: string): unknown; isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

export interface RunOptions {
  input?: string
  set?: string[]
  map?: string[]
  json?: boolean
  batch?: string
  concurrency?: string
  out?: string
}

export function readJsonFile(file: string, what: string): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    throw new CliError(`${what} ${file}: ${(e as Error).message}`)
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new CliError(`${what} ${file}: expected a JSON object`)
  return v as Record<string, unknown>
}

export function readRecipe(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new CliError(`recipe ${file}: ${(e as Error).message}`)
  }
}

/** Maps API and parse errors to CLI errors (message printed alone, exit 1). */
export async function asCli<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    if (e instanceof CliError) throw e
    if (e instanceof ApiError || (e as { status?: number }).status === 400)
      throw new CliError((e as Error).message)
    throw e
  }
}

/** `--map from=to`: repeatable; see workflows/cli/map-models.ts. */
export function addMapOption(cmd: Command): Command {
  return cmd.option(
    '--map <from=to>',
    'use your credential TO wherever the recipe names credential FROM (repeatable), e.g. --map openai=my-openai',
    (v: string, acc: string[]) => [...acc, v],
    [],
  )
}

/** The recipe text with `--map` and `--set` applied, so the server validates what will run. */
export function mappedRecipe(yaml: string, maps: string[], sets: Record<string, string> = {}): string {
  try {
    return applyModelChoices(yaml, parseMaps(maps), sets)
  } catch (e) {
    throw new CliError((e as Error).message, 2)
  }
}

/**
 * Saves the recipe; a model the server cannot resolve gets a hint at `--map`, since the usual
 * cause is a shipped example naming credentials the caller does not have.
 */
export async function saveRecipe(client: JsonClient, yaml: string): Promise<{ id: string; version: number }> {
  try {
    return await ensureWorkflow(client, yaml)
  } catch (e) {
    const m = e instanceof ApiError && e.status === 400 ? /step \S+: model ([^/\s]+)\//.exec(e.message) : null
    if (!m) throw e
    throw new CliError(
      `${(e as Error).message}\n  the recipe names credential "${m[1]}": run it with --map ${m[1]}=YOUR_CREDENTIAL (see: latchkey keys list)`,
    )
  }
}

export async function runCommand(file: string, o: RunOptions, io: RunIo): Promise<number> {
  let models: Record<string, string>
  try {
    models = parseSets(o.set ?? [])
  } catch (e) {
    throw new CliError((e as Error).message, 2)
  }
  const yaml = mappedRecipe(readRecipe(file), o.map ?? [], models)
  if (o.batch && o.input) throw new CliError('use either --input or --batch', 2)
  if (!o.batch && !o.input) throw new CliError('give --input FILE.json (or --batch FILE.jsonl|csv)', 2)
  const client = clientFrom(io.env)
  return asCli(async () => {
    const wf = await saveRecipe(client, yaml)
    if (o.batch) {
      if (!o.out) throw new CliError('--batch needs --out results.jsonl', 2)
      const concurrency = Number(o.concurrency ?? '4')
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
        throw new CliError('--concurrency must be 1..64', 2)
      let items: ReturnType<typeof parseBatch>
      try {
        items = parseBatch(fs.readFileSync(o.batch, 'utf8'), o.batch, parseRecipe(yaml).inputs)
      } catch (e) {
        throw new CliError(`batch ${o.batch}: ${(e as Error).message}`)
      }
      const t = await runBatch({
        client,
        workflowId: wf.id,
        items,
        models,
        concurrency,
        out: o.out,
        stderr: io.stderr,
      })
      io.stderr.write(
        `batch: ${t.total} items, ${t.skipped} skipped (already done), ${t.done} succeeded, ${t.failed} failed; ` +
          `${t.inputTokens}/${t.outputTokens} tokens, ${usd(t.costUsd)}; results in ${o.out}\n`,
      )
      return t.failed > 0 ? 1 : 0
    }
    const inputs = readJsonFile(o.input!, 'input')
    const { id } = await client.call<{ id: string }>('POST', `/api/v1/workflows/${wf.id}/runs`, {
      inputs,
      models,
    })
    io.stderr.write(`run ${id} started (workflow version ${wf.version})\n`)
    const run = await waitForRun(client, id, (r) => {
      const w = r.waitingReview
      io.stderr.write(
        `waiting for review of step ${w?.stepId} (role ${w?.role})${w?.message ? `: ${w.message}` : ''}\n` +
          `  approve in the web app or: POST /api/v1/runs/${id}/review {"decision":"approve"}\n`,
      )
    })
    io.stderr.write(runSummary(run))
    if (o.json) printJson(io.stdout, run)
    if (run.status !== 'succeeded') return 1
    if (!o.json) printJson(io.stdout, run.output)
    return 0
  })
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run <recipe>')
    .description('run a workflow recipe on the server (LATCHKEY_URL, LATCHKEY_TOKEN); output JSON on stdout')
    .option('--input <file>', 'JSON file with the recipe inputs')
    .option(
      '--set <step.model=cred/model>',
      "override a step's model (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--batch <file>', 'run once per item of a .jsonl or .csv file')
    .option('--concurrency <n>', 'parallel runs in batch mode', '4')
    .option('--out <file>', 'batch results (JSONL; re-running skips items already done)')
    .option('--json', 'print the whole run (status, steps, usage, cost, output) as JSON, not just the output')
  addMapOption(cmd).action(async (recipe: string, o: RunOptions) => {
    process.exitCode = await runCommand(recipe, o, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
    })
  })
}
