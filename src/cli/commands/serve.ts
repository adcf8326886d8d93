import type { Command } from 'commander'
import { loadConfig } from '../../config/config.js'
import { startServer } from '../../server/start.js'

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the server (what `npm start` runs); binds LATCHKEY_HOST:LATCHKEY_PORT (127.0.0.1:8420)')
    .option('--port <port>', 'port to listen on (overrides LATCHKEY_PORT)')
    .option('--host <host>', 'address to bind (overrides LATCHKEY_HOST; 0.0.0.0 for every interface)')
    .action(async (o: { port?: string; host?: string }) => {
      // Through the environment, so the flags get exactly the env vars' validation and
      // derived defaults (LATCHKEY_URL follows the port).
      const config = loadConfig({
        ...process.env,
        ...(o.port !== undefined ? { LATCHKEY_PORT: o.port } : {}),
        ...(o.host !== undefined ? { LATCHKEY_HOST: o.host } : {}),
      })
      const server = await startServer(config)
      await server.closed
    })
}
