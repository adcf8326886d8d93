/**
 * Conversations live in this browser's IndexedDB, so the server stores no chat content.
 *
 * One database per person (`latchkey-chat:<org>:<user or token>`), deleted when they sign out:
 * a browser is often shared (a kiosk, a handed-over laptop), and one database per origin showed
 * everyone who signed in next the conversations of the people before them. A session that ends
 * without signing out (expiry, revocation) leaves its database behind, out of sight of anyone
 * else who signs in here.
 */
import { type DBSchema, deleteDB, type IDBPDatabase, openDB } from 'idb'
import type { Principal } from '../api/types.js'
import type { Conversation } from './chat.js'

interface ChatDb extends DBSchema {
  conversations: { key: string; value: Conversation; indexes: { updatedAt: number } }
}

/** The one database every person shared before history was kept per person. */
const LEGACY_DB = 'latchkey-chat'

let owner: string | null = null
let dbp: Promise<IDBPDatabase<ChatDb>> | null = null

/** The database name of a principal: per org and per user (or per token for token sessions). */
export function chatDbName(p: Pick<Principal, 'orgId' | 'userId' | 'id'>): string {
  return `${LEGACY_DB}:${p.orgId}:${p.userId ?? p.id}`
}

/** Points the store at the signed-in person's database (null: nobody signed in). */
export function setChatOwner(p: Pick<Principal, 'orgId' | 'userId' | 'id'> | null): void {
  const name = p ? chatDbName(p) : null
  if (name === owner) return
  void closeDb()
  owner = name
}

async function closeDb(): Promise<void> {
  const open = dbp
  dbp = null
  if (open) (await open.catch(() => null))?.close()
}

function db(): Promise<IDBPDatabase<ChatDb>> {
  if (!owner) return Promise.reject(new Error('chat history: nobody is signed in'))
  dbp ??= openDB<ChatDb>(owner, 1, {
    upgrade(d) {
      const s = d.createObjectStore('conversations', { keyPath: 'id' })
      s.createIndex('updatedAt', 'updatedAt')
    },
    // Another tab deletes this database (its person signed out there): let it.
    blocking() {
      void closeDb()
    },
  })
  return dbp
}

/**
 * Deletes the signed-in person's history from this browser (and the shared database of
 * earlier versions, whose owner cannot be told). Called on sign-out, before the session ends.
 */
export async function clearChatHistory(): Promise<void> {
  const name = owner
  owner = null
  await closeDb()
  if (name) await deleteDB(name)
  await deleteDB(LEGACY_DB)
}

export async function listConversations(): Promise<Conversation[]> {
  const all = await (await db()).getAllFromIndex('conversations', 'updatedAt')
  return all.reverse()
}

export async function saveConversation(c: Conversation): Promise<void> {
  await (await db()).put('conversations', c)
}

export async function deleteConversation(id: string): Promise<void> {
  await (await db()).delete('conversations', id)
}

export async function importConversations(cs: Conversation[]): Promise<void> {
  const tx = (await db()).transaction('conversations', 'readwrite')
  await Promise.all([...cs.map((c) => tx.store.put(c)), tx.done])
}
