import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

/**
 * The workspace SPA. Built into web/dist and served by the Latchkey server at `/`
 * (src/server/routes/web.ts). Hashed file names under /assets let the server mark them immutable.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The server's CSP forbids inline scripts and styles; never inline assets as data: modules.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 300,
  },
  server: {
    // `npm run dev:web` proxies API calls to a locally running `npm start`.
    proxy: { '/api': 'http://127.0.0.1:8420', '/v1': 'http://127.0.0.1:8420' },
  },
})
