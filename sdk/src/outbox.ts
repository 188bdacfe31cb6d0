import type { PendingSend } from './types.js';

/**
 * Where unacknowledged sends wait, so that they survive a reload or a crash of the app: a browser
 * can keep them in IndexedDB, a Node service in a file or a table. Every send stays here from the
 * moment it is made until the server has acknowledged it, and is resent with its clientMessageId,
 * which the server answers with the stored message rather than a copy.
 */
export interface OutboxStore {
  /** Every pending send, in the order they were made. */
  load(): Promise<PendingSend[]>;
  put(send: PendingSend): Promise<void>;
  remove(clientMessageId: string): Promise<void>;
}

/** Keeps pending sends in memory: they survive reconnects and server restarts, not a reload. */
export class MemoryOutboxStore implements OutboxStore {
  private readonly sends = new Map<string, PendingSend>();

  async load(): Promise<PendingSend[]> {
    return [...this.sends.values()];
  }

  async put(send: PendingSend): Promise<void> {
    this.sends.set(send.clientMessageId, send);
  }

  async remove(clientMessageId: string): Promise<void> {
    this.sends.delete(clientMessageId);
  }
}
