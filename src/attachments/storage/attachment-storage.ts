import { Readable } from 'node:stream';

/** Where the bytes of uploads live: PostgreSQL (the default) or an S3-compatible store. */
export interface AttachmentStorage {
  /**
   * Stores a stream under a new key and answers its size once every byte is stored. Reads the stream
   * as it comes, never the whole file at once. A failed or aborted write leaves nothing readable.
   */
  put(key: string, body: Readable, contentType: string): Promise<{ size: number }>;

  /** The stored bytes as a stream, or null when there is no object under the key. */
  get(key: string): Promise<Readable | null>;

  /** Removes the objects; keys with nothing stored are skipped. Safe to run twice. */
  delete(keys: string[]): Promise<void>;
}

/** The injection token of the configured AttachmentStorage. */
export const ATTACHMENT_STORAGE = Symbol('AttachmentStorage');
