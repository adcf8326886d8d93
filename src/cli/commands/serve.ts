import type { Command } from 'commander'
import { loadConfig } from '../../config/config.js'
import { startServer } from '../../server/start.js'

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the server (what `npm start` runs); binds LATCHKEY_HOST:LATCHKEY_PORT (127.0.0.1:8420)')
    .action(async () => {
      const config = loadConfig()
      const server = await startServer(config)
      await server.closed
    })
}
