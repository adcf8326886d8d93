/** Light/dark theme: the person's choice in localStorage, else the system preference. */
export type Theme = 'light' | 'dark'
const KEY = 'lk.theme'

export function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY)
  if (saved === 'light' || saved === 'dark') return saved
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

export function applyTheme(t: Theme, persist = false): void {
  document.documentElement.dataset.theme = t
  if (persist) localStorage.setItem(KEY, t)
}
