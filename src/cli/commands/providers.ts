/**
 * `latchkey providers`: the provider kinds this build knows, with what `keys add` needs for
 * each — whether a key is required, optional (keyless local servers) or a JSON secret, and
 * the default base URL (or that one must be given). A local command: no server needed.
 * @module
 */
import type { Command } from 'commander'
import { KINDS, type KindInfo } from '../../providers/kinds.js'
import { type Column, printList } from '../output.js'

const KEY: Record<KindInfo['secret'], string> = {
  apiKey: 'required',
  apiKeyOptional: 'optional (keyless)',
  secret: 'JSON secret',
}

export interface ProviderRow {
  kind: string
  label: string
  category: string
  key: 'required' | 'optional' | 'json-secret'
  keyless: boolean
  defaultBaseUrl: string | null
  baseUrlRequired: boolean
  regions: string[]
}

export function providerRows(): ProviderRow[] {
  return Object.values(KINDS).map((k) => ({
    kind: k.kind,
    label: k.label,
    category: k.category,
    key: k.secret === 'apiKey' ? 'required' : k.secret === 'apiKeyOptional' ? 'optional' : 'json-secret',
    keyless: k.secret === 'apiKeyOptional',
    defaultBaseUrl: k.defaultBaseUrl,
    baseUrlRequired: k.baseUrlRequired,
    regions: Object.keys(k.regions ?? {}),
  }))
}

/** What `keys add` needs for the base URL: nothing (a default), or `--base-url` (with the usual one). */
export function baseUrlText(r: Pick<ProviderRow, 'defaultBaseUrl' | 'baseUrlRequired'>): string {
  if (!r.baseUrlRequired) return r.defaultBaseUrl ?? '(per resource: --base-url or --region)'
  return r.defaultBaseUrl ? `--base-url required (usually ${r.defaultBaseUrl})` : '--base-url required'
}

const COLUMNS: Column<ProviderRow>[] = [
  { head: 'KIND', get: (r) => r.kind },
  { head: 'NAME', get: (r) => r.label },
  { head: 'CATEGORY', get: (r) => r.category },
  { head: 'KEY', get: (r) => KEY[KINDS[r.kind]!.secret] },
  { head: 'BASE URL', get: baseUrlText },
]

export function registerProvidersCommand(program: Command): void {
  program
    .command('providers')
    .description('list provider kinds: whether a key is needed (keyless local servers), default base URL')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => printList(process.stdout, o, providerRows(), COLUMNS))
}
