import type { OutboxStore, PendingSend, SessionTokens, SharedTokens } from '../../sdk/src/index';

const SESSION_KEY = 'chat-session';

export interface SavedSession {
  username: string;
  tokens: SessionTokens;
}

/** The session's tokens, kept so a reload resumes it without a password. */
export const savedSession = {
  load(): SavedSession | null {
    try {
      return JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as SavedSession | null;
    } catch {
      return null;
    }
  },
  save(session: SavedSession): void {
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  },
  clear(): void {
    localStorage.removeItem(SESSION_KEY);
  },
};

/**
 * Unacknowledged sends in IndexedDB, one store per user: a message sent before a reload or a crash
 * still goes out.
 */
export class IndexedDbOutbox implements OutboxStore {
  private readonly db: Promise<IDBDatabase>;

  constructor(name: string) {
    this.db = new Promise((resolve, reject) => {
      const request = indexedDB.open(`chat-outbox-${name}`, 1);
      request.onupgradeneeded = () =>
        request.result.createObjectStore('sends', { keyPath: 'clientMessageId' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async load(): Promise<PendingSend[]> {
    const all = await this.run<PendingSend[]>('readonly', (store) => store.getAll());
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async put(send: PendingSend): Promise<void> {
    await this.run('readwrite', (store) => store.put(send));
  }

  async remove(clientMessageId: string): Promise<void> {
    await this.run('readwrite', (store) => store.delete(clientMessageId));
  }

  private async run<T>(
    mode: IDBTransactionMode,
    op: (s: IDBObjectStore) => IDBRequest,
  ): Promise<T> {
    const db = await this.db;
    return new Promise<T>((resolve, reject) => {
      const request = op(db.transaction('sends', mode).objectStore('sends'));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(request.error);
    });
  }
}

/**
 * The session's tokens shared by this browser's tabs: renewals take turns under a Web Lock, and a
 * tab that finds tokens another tab renewed takes them rather than reusing a spent refresh token.
 */
export function sharedTokens(username: string): SharedTokens {
  return {
    load: () => {
      const saved = savedSession.load();
      return saved?.username === username ? saved.tokens : null;
    },
    save: (tokens) => savedSession.save({ username, tokens }),
    exclusive: <T>(work: () => Promise<T>): Promise<T> =>
      navigator.locks
        ? (navigator.locks.request(`chat-session-${username}`, work) as Promise<T>)
        : work(),
  };
}
