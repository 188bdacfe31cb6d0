import { Readable } from 'node:stream';
import { TransactionHost } from '../../database/transaction-host';
import { AttachmentStorage } from './attachment-storage';

/** Big enough to keep statements few, small enough to keep memory flat under many uploads. */
export const PART_BYTES = 1024 * 1024;

/**
 * Files in the attachment_blobs table, one row per part. Each part is written by a statement of its
 * own (no transaction held open while a slow client uploads), so a write that fails half-way removes
 * the parts it wrote; reading fetches one part at a time, as the reader asks for it.
 */
export class PostgresAttachmentStorage implements AttachmentStorage {
  constructor(private readonly db: TransactionHost) {}

  async put(key: string, body: Readable): Promise<{ size: number }> {
    let size = 0;
    let part = 0;
    try {
      for await (const bytes of partsOf(body)) {
        await this.db.manager.query(
          'INSERT INTO attachment_blobs (key, part, data) VALUES ($1, $2, $3)',
          [key, part, bytes],
        );
        size += bytes.length;
        part += 1;
      }
      // An empty file still gets its one (empty) part, so that it can be told from a missing one.
      if (part === 0) {
        await this.db.manager.query(
          'INSERT INTO attachment_blobs (key, part, data) VALUES ($1, 0, $2)',
          [key, Buffer.alloc(0)],
        );
      }
      return { size };
    } catch (error) {
      await this.delete([key]).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<Readable | null> {
    const first = await this.part(key, 0);
    if (first === null) return null;
    const part = (n: number) => this.part(key, n);
    return Readable.from(
      (async function* () {
        for (let n = 1, bytes: Buffer | null = first; bytes !== null; bytes = await part(n++)) {
          if (bytes.length > 0) yield bytes;
        }
      })(),
      { objectMode: false },
    );
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.manager.query('DELETE FROM attachment_blobs WHERE key = ANY($1::varchar[])', [
      keys,
    ]);
  }

  private async part(key: string, part: number): Promise<Buffer | null> {
    const rows: { data: Buffer }[] = await this.db.manager.query(
      'SELECT data FROM attachment_blobs WHERE key = $1 AND part = $2',
      [key, part],
    );
    return rows[0]?.data ?? null;
  }
}

/** The stream's bytes regrouped in parts of PART_BYTES (the last one shorter). */
async function* partsOf(body: Readable): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const chunk of body) {
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    while (heldBytes + bytes.length >= PART_BYTES) {
      const take = PART_BYTES - heldBytes;
      yield Buffer.concat([...held, bytes.subarray(0, take)]);
      held = [];
      heldBytes = 0;
      bytes = bytes.subarray(take);
    }
    if (bytes.length > 0) {
      held.push(bytes);
      heldBytes += bytes.length;
    }
  }
  if (heldBytes > 0) yield Buffer.concat(held);
}
