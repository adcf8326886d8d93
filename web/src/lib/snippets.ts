/**
 * "Connect an app": ready-to-run snippets for the common clients, filled with this server's
 * base URL and a model. The token is read from `LATCHKEY_TOKEN` in every snippet, so a copied
 * snippet never carries a secret; the shell line that sets it is shown beside them.
 * OpenAI-wire clients use `<origin>/v1`; Anthropic-wire clients take the origin and add
 * `/v1/messages` themselves.
 * @module
 */

export type ClientId =
  | 'curl'
  | 'openai-python'
  | 'openai-ts'
  | 'anthropic'
  | 'vercel-ai'
  | 'langchain'
  | 'claude-code'
  | 'codex'

export interface Snippet {
  id: ClientId
  label: string
  /** The language shown on the code block (and its file, where it goes in one). */
  lang: string
  code: string
}

export const TOKEN_ENV = 'LATCHKEY_TOKEN'

/** One snippet per client, for `origin` (`https://latchkey.example.com`) and `model`. */
export function snippets(origin: string, model: string): Snippet[] {
  const base = origin.replace(/\/+$/, '')
  const v1 = `${base}/v1`
  const m = JSON.stringify(model)
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] })
  return [
    {
      id: 'curl',
      label: 'curl',
      lang: 'sh',
      code: `curl ${v1}/chat/completions \\
  -H "Authorization: Bearer $${TOKEN_ENV}" \\
  -H "Content-Type: application/json" \\
  -d '${body.replaceAll("'", "'\\''")}'`,
    },
    {
      id: 'openai-python',
      label: 'OpenAI Python',
      lang: 'python',
      code: `import os
from openai import OpenAI

client = OpenAI(base_url="${v1}", api_key=os.environ["${TOKEN_ENV}"])
r = client.chat.completions.create(
    model=${m},
    messages=[{"role": "user", "content": "Hello"}],
)
print(r.choices[0].message.content)`,
    },
    {
      id: 'openai-ts',
      label: 'OpenAI TypeScript',
      lang: 'ts',
      code: `import OpenAI from 'openai'

const client = new OpenAI({ baseURL: '${v1}', apiKey: process.env.${TOKEN_ENV} })
const r = await client.chat.completions.create({
  model: ${m},
  messages: [{ role: 'user', content: 'Hello' }],
})
console.log(r.choices[0].message.content)`,
    },
    {
      id: 'anthropic',
      label: 'Anthropic SDK',
      lang: 'ts',
      code: `import Anthropic from '@anthropic-ai/sdk'

// The Anthropic SDK adds /v1/messages itself: give it the server's origin.
const client = new Anthropic({ baseURL: '${base}', apiKey: process.env.${TOKEN_ENV} })
const msg = await client.messages.create({
  model: ${m},
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Hello' }],
})
console.log(msg.content)`,
    },
    {
      id: 'vercel-ai',
      label: 'Vercel AI SDK',
      lang: 'ts',
      code: `import { createOpenAI } from '@ai-sdk/openai'
import { generateText } from 'ai'

const latchkey = createOpenAI({ baseURL: '${v1}', apiKey: process.env.${TOKEN_ENV} })
const { text } = await generateText({ model: latchkey.chat(${m}), prompt: 'Hello' })
console.log(text)`,
    },
    {
      id: 'langchain',
      label: 'LangChain',
      lang: 'python',
      code: `import os
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model=${m}, base_url="${v1}", api_key=os.environ["${TOKEN_ENV}"])
print(llm.invoke("Hello").content)`,
    },
    {
      id: 'claude-code',
      label: 'Claude Code',
      lang: 'sh',
      code: `# Claude Code sends ANTHROPIC_AUTH_TOKEN as a bearer token; an ANTHROPIC_API_KEY would win over it.
export ANTHROPIC_BASE_URL=${base}
export ANTHROPIC_AUTH_TOKEN="$${TOKEN_ENV}"
export ANTHROPIC_API_KEY=""
export ANTHROPIC_MODEL=${m}
export ANTHROPIC_DEFAULT_SONNET_MODEL=${m}
export ANTHROPIC_DEFAULT_HAIKU_MODEL=${m}
claude`,
    },
    {
      id: 'codex',
      label: 'Codex CLI',
      lang: 'toml',
      code: `# ~/.codex/config.toml — Codex reads the token from the variable named in env_key.
model = ${m}
model_provider = "latchkey"

[model_providers.latchkey]
name = "Latchkey"
base_url = "${v1}"
env_key = "${TOKEN_ENV}"
wire_api = "responses"`,
    },
  ]
}

/** The shell line that puts a token where every snippet reads it. */
export function tokenExport(token: string | null): string {
  return `export ${TOKEN_ENV}=${token ?? 'lk_…  # create a token below'}`
}
