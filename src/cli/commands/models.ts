/**
 * `latchkey models`: every model the caller's token may use, from the gateway's discovery
 * (`GET /v1/models`, all kinds), with the credential it goes through, its mode and
 * capabilities. The id column is what to put in `model` (`credential/model`).
 * @module
 */
import type { Command } from 'commander'
import { clientFrom } from '../api-client.js'
import { type Column, printList } from '../output.js'

interface ModelEntry {
  id: string
  credential?: string
  provider?: string
  mode?: string
  capabilities?: string[]
  context_window?: number | null
  region?: string | null
}

const COLUMNS: Column<ModelEntry>[] = [
  { head: 'MODEL', get: (m) => m.id },
  { head: 'PROVIDER', get: (m) => m.provider },
  { head: 'MODE', get: (m) => m.mode },
  { head: 'CAPABILITIES', get: (m) => m.capabilities?.join(',') },
  { head: 'CONTEXT', get: (m) => m.context_window },
  { head: 'REGION', get: (m) => m.region },
]

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('list the models your token may use (LATCHKEY_URL, LATCHKEY_TOKEN), all providers')
    .option('--mode <mode>', 'only this mode, e.g. chat or embedding')
    .option('--credential <name>', 'only models through this credential')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean; mode?: string; credential?: string }) => {
      const { data } = await clientFrom(process.env).call<{ data: ModelEntry[] }>('GET', '/v1/models')
      const rows = data.filter(
        (m) =>
          (!o.mode || m.mode === o.mode) &&
          (!o.credential || (m.credential ?? m.id.split('/')[0]) === o.credential),
      )
      printList(process.stdout, o, rows, COLUMNS)
    })
}
