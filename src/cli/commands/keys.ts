/**
 * `latchkey keys add|list|rotate|revoke` — clients of a running server (LATCHKEY_URL,
 * LATCHKEY_TOKEN), so rights and audit apply as to any caller. The secret is read from stdin,
 * a hidden prompt on a terminal, or `--from-env VAR` — never from argv, where it would land
 * in shell history and `ps`. No command prints a secret: the server never returns one.
 * @module
 */
import type { Command } from 'commander'
import { kindInfo } from '../../providers/kinds.js'
import { clientFrom } from '../api-client.js'
import { CliError } from '../index.js'
import { type Column, printList, printRecord, wantsJson } from '../output.js'
import { pickByNameOrId } from '../pick.js'
import { baseUrlText } from './providers.js'

export interface KeysIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }
  stdout: { write(s: string): unknown; isTTY?: boolean }
  stderr: { write(s: string): unknown }
  env: NodeJS.ProcessEnv
}

const processIo = (): KeysIo => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
})

interface CredentialView {
  id: string
  name: string
  provider: string
  scope: string
  version: number
  fingerprint: string
  last4: string | null
  baseUrl: string
}

function api<T>(io: KeysIo, method: string, path: string, body?: unknown): Promise<T> {
  return clientFrom(io.env).call<T>(method, path, body)
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)))
  return Buffer.concat(chunks).toString('utf8')
}

/** Reads a line from a terminal without echoing it. */
async function hiddenPrompt(io: KeysIo, label: string): Promise<string> {
  io.stderr.write(label)
  const stdin = io.stdin
  stdin.setRawMode?.(true)
  stdin.resume()
  let value = ''
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return value
        if (ch === '\u0003') throw new CliError('cancelled')
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else value += ch
      }
    }
    return value
  } finally {
    stdin.setRawMode?.(false)
    stdin.pause()
    io.stderr.write('\n')
  }
}

/** Reads the secret; '' only when `optional` (a keyless kind such as ollama). */
async function readSecretText(
  io: KeysIo,
  fromEnv: string | undefined,
  label: string,
  optional = false,
): Promise<string> {
  let text: string
  if (fromEnv) {
    const v = io.env[fromEnv]
    if (!v) throw new CliError(`--from-env ${fromEnv}: that environment variable is not set`, 2)
    text = v
  } else if (io.stdin.isTTY) {
    text = await hiddenPrompt(io, label)
  } else {
    text = await readAll(io.stdin)
  }
  text = text.trim()
  if (!text && !optional)
    throw new CliError('no secret given (pipe it on stdin, type it at the prompt, or use --from-env VAR)', 2)
  return text
}

/** Key-based kinds take the text as `apiKey`; structured kinds take JSON as `secret`. */
function secretBody(provider: string, text: string): { apiKey?: string; secret?: Record<string, unknown> } {
  if (kindInfo(provider)?.secret !== 'secret') return { apiKey: text }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // Azure/Bedrock accept a bare API key too.
    return { apiKey: text }
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new CliError('the secret must be a JSON object', 2)
  const o = json as Record<string, unknown>
  // A raw Google service-account file piped in for vertex.
  if (provider === 'vertex' && typeof o.private_key === 'string') return { secret: { serviceAccount: o } }
  return { secret: o }
}

async function resolveId(io: KeysIo, nameOrId: string): Promise<CredentialView> {
  const { data } = await api<{ data: CredentialView[] }>(io, 'GET', '/api/v1/credentials')
  return pickByNameOrId(data, nameOrId, 'credential', (c) => c.scope)
}

function describe(c: CredentialView): string {
  return `${c.name} (${c.id}) provider=${c.provider} scope=${c.scope} version=${c.version} fingerprint=${c.fingerprint} last4=${c.last4 ?? '-'}`
}

export interface AddOptions {
  provider: string
  /** False with `--no-key`: store a keyless credential without reading stdin. */
  key?: boolean
  json?: boolean
  baseUrl?: string
  region?: string
  scope?: string
  workspace?: string
  models?: string
  origins?: string
  fromEnv?: string
}

function list(csv: string): string[] {
  return csv
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
}

export async function keysAdd(name: string, o: AddOptions, io: KeysIo = processIo()): Promise<void> {
  const info = kindInfo(o.provider)
  if (!info) throw new CliError(`unknown provider kind ${o.provider} (see: latchkey providers)`, 2)
  if (info.baseUrlRequired && !o.baseUrl)
    throw new CliError(`${o.provider} needs --base-url: ${baseUrlText(info)}`, 2)
  const keyless = info.secret === 'apiKeyOptional'
  if (o.key === false && !keyless)
    throw new CliError(
      `${o.provider} needs a key; --no-key is for keyless kinds (see: latchkey providers)`,
      2,
    )
  const text =
    o.key === false
      ? ''
      : await readSecretText(
          io,
          o.fromEnv,
          `${o.provider} key for ${name}${keyless ? ' (Enter for none)' : ''}: `,
          keyless,
        )
  const body = {
    name,
    provider: o.provider,
    ...(text ? secretBody(o.provider, text) : {}),
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.scope ? { scope: o.scope } : {}),
    ...(o.workspace ? { workspaceId: o.workspace } : {}),
    ...(o.models ? { models: list(o.models) } : {}),
    ...(o.origins ? { origins: list(o.origins) } : {}),
  }
  const c = await api<CredentialView>(io, 'POST', '/api/v1/credentials', body)
  done(io, o, 'created', c)
}

/** A changed credential: its view as JSON, or one line for people. */
function done(io: KeysIo, o: { json?: boolean }, verb: string, c: CredentialView): void {
  if (wantsJson(o, io.stdout)) printRecord(io.stdout, o, c as unknown as Record<string, unknown>)
  else io.stdout.write(`${verb} ${describe(c)}\n`)
}

const COLUMNS: Column<CredentialView>[] = [
  { head: 'NAME', get: (c) => c.name },
  { head: 'PROVIDER', get: (c) => c.provider },
  { head: 'SCOPE', get: (c) => c.scope },
  { head: 'VERSION', get: (c) => c.version },
  { head: 'FINGERPRINT', get: (c) => c.fingerprint },
  { head: 'LAST4', get: (c) => c.last4 },
  { head: 'BASE URL', get: (c) => c.baseUrl },
  { head: 'ID', get: (c) => c.id },
]

export async function keysList(o: { json?: boolean }, io: KeysIo = processIo()): Promise<void> {
  const { data } = await api<{ data: CredentialView[] }>(io, 'GET', '/api/v1/credentials')
  printList(io.stdout, o, data, COLUMNS)
}

export async function keysRotate(
  nameOrId: string,
  o: { fromEnv?: string; json?: boolean },
  io: KeysIo = processIo(),
): Promise<void> {
  const c = await resolveId(io, nameOrId)
  const text = await readSecretText(io, o.fromEnv, `new ${c.provider} key for ${c.name}: `)
  const r = await api<CredentialView>(
    io,
    'POST',
    `/api/v1/credentials/${c.id}/rotate`,
    secretBody(c.provider, text),
  )
  done(io, o, 'rotated', r)
}

export async function keysRevoke(
  nameOrId: string,
  o: { json?: boolean } = {},
  io: KeysIo = processIo(),
): Promise<void> {
  const c = await resolveId(io, nameOrId)
  await api<void>(io, 'DELETE', `/api/v1/credentials/${c.id}`)
  if (wantsJson(o, io.stdout)) printRecord(io.stdout, o, { revoked: true, id: c.id, name: c.name })
  else io.stdout.write(`revoked ${c.name} (${c.id})\n`)
}

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      'manage provider keys on a running server (LATCHKEY_URL, LATCHKEY_TOKEN); secrets come from stdin, a prompt or --from-env',
    )
  keys
    .command('add <name>')
    .description('store a provider key (read from stdin, a hidden prompt, or --from-env VAR)')
    .requiredOption('--provider <kind>', 'provider kind, e.g. openai, anthropic, ollama')
    .option('--base-url <url>', 'base URL (required for openai-compatible; see: latchkey providers)')
    .option('--region <region>', 'provider region')
    .option('--scope <scope>', 'org, workspace or personal')
    .option('--workspace <id>', 'workspace id for a workspace credential')
    .option('--models <list>', 'comma-separated allowed model ids')
    .option(
      '--origins <list>',
      'http-secret only: comma-separated origins the secret may be sent to (https://hooks.example.com)',
    )
    .option('--from-env <var>', 'read the secret from this environment variable')
    .option(
      '--no-key',
      'keyless kinds (ollama, lmstudio, vllm, openai-compatible): store no key, read nothing',
    )
    .option('--json', 'print the stored credential as JSON')
    .action((name: string, o: AddOptions) => keysAdd(name, o))
  keys
    .command('list')
    .description('list credentials (metadata, fingerprint and last 4 only)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => keysList(o))
  keys
    .command('rotate <nameOrId>')
    .description('replace a key (new version; takes effect at once)')
    .option('--from-env <var>', 'read the new secret from this environment variable')
    .option('--json', 'print the credential as JSON')
    .action((n: string, o: { fromEnv?: string; json?: boolean }) => keysRotate(n, o))
  keys
    .command('revoke <nameOrId>')
    .description('revoke a credential (calls through it fail at once)')
    .option('--json', 'print the result as JSON')
    .action((n: string, o: { json?: boolean }) => keysRevoke(n, o))
}
