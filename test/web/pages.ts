/**
 * Every page of the workspace, for the layout and accessibility suite (test/web/layout.test.ts):
 * a page added to the app gets its line here and is then checked at phone and desktop size, in
 * both themes, for sideways overflow and serious axe violations, with screenshots.
 */
export interface PageCase {
  /** File-name-safe label for screenshots. */
  name: string
  /**
   * The address. `{workflow}` and `{run}` are replaced by the ids of the workflow and the run
   * (waiting for review) that the suite seeds.
   */
  path: string
  /** Text that shows once the page has loaded its data (its heading, or a row it must list). */
  ready: string | RegExp
  /** Wait for a table cell or heading with that name instead of any text (when it is also an option in a picker). */
  readyRole?: 'cell' | 'heading'
  /** Signed out (sign-in, invite) instead of signed in as an owner. */
  signedOut?: boolean
}

export const PAGES: PageCase[] = [
  { name: 'sign-in', path: '/sign-in', ready: /first time here|No account yet/, signedOut: true },
  { name: 'invite', path: '/invite', ready: 'Accept your invite', signedOut: true },
  { name: 'chat', path: '/chat', ready: 'Start a conversation' },
  { name: 'compare', path: '/compare', ready: 'Compare' },
  { name: 'workflows', path: '/workflows', ready: 'layout-check' },
  { name: 'workflow-new', path: '/workflows/new', ready: 'Recipe YAML' },
  { name: 'workflow', path: '/workflows/{workflow}', ready: 'Run history' },
  { name: 'workflow-run', path: '/workflows/runs/{run}', ready: 'Waiting for your review' },
  { name: 'models', path: '/models', ready: 'gpt-4.1-nano' },
  { name: 'routes', path: '/routes', ready: 'smart-default-for-the-whole-team' },
  { name: 'reviews', path: '/reviews', ready: 'Open the run to read its output' },
  { name: 'keys', path: '/keys', ready: 'production-openai-eu-west' },
  { name: 'usage', path: '/usage', ready: 'production-openai-eu-west/gpt-4o-mini-2024-07-18' },
  { name: 'audit', path: '/audit', ready: 'test-owner (token)', readyRole: 'cell' },
  { name: 'members', path: '/members', ready: 'a.rather.long.address@example.com' },
  { name: 'settings', path: '/settings', ready: 'Budgets' },
  { name: 'not-found', path: '/no-such-page', ready: 'Page not found' },
]
