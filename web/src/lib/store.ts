/** Conversations live in this browser's IndexedDB, so the server stores no chat content. */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb'
import type { Conversation } from './chat.js'

interface ChatDb extends DBSchema {
  conversations: { key: string; value: Conversation; indexes: { updatedAt: number } }
}

let dbp: Promise<IDBPDatabase<ChatDb>> | null = null

function db(): Promise<IDBPDatabase<ChatDb>> {
  dbp ??= openDB<ChatDb>('latchkey-chat', 1, {
    upgrade(d) {
      const s = d.createObjectStore('conversations', { keyPath: 'id' })
      s.createIndex('updatedAt', 'updatedAt')
    },
  })
  return dbp
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
