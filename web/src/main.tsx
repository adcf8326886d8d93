import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import { applyTheme, initialTheme } from './lib/theme.js'
import './styles.css'

// Set before the first paint; the CSP forbids an inline <script> in index.html.
applyTheme(initialTheme())

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
