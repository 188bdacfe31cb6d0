import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';
import { Upload } from './entities/upload.entity';

export type NewUpload = Pick<
  Upload,
  | 'ownerId'
  | 'storageKey'
  | 'thumbnailKey'
  | 'contentType'
  | 'name'
  | 'size'
  | 'storedBytes'
  | 'sha256'
  | 'width'
  | 'height'
>;

export interface UploadLock {
  upload: Upload;
  /** Not attached and not expired. */
  available: boolean;
}

export interface AttachLink {
  id: number;
  chatId: number;
  messageId: number;
  position: number;
}

export interface StoredFiles {
  id: number;
  storageKey: string;
  thumbnailKey: string | null;
}

export interface UploadExport {
  id: number;
  name: string;
  contentType: string;
  size: number;
  createdAt: Date;
  chatId: number | null;
  messageId: number | null;
}

/** Keeps one owner's quota checks apart from everyone else's: pg_advisory_xact_lock(UPLOADS, owner). */
const UPLOADS_LOCK = 0x75706c64;

interface UploadRow {
  id: string;
  owner_id: number;
  storage_key: string;
  thumbnail_key: string | null;
  content_type: string;
  name: string;
  size: string;
  stored_bytes: string;
  sha256: string;
  width: number | null;
  height: number | null;
  created_at: Date;
  expires_at: Date | null;
  chat_id: number | null;
  message_id: string | null;
  position: number | null;
  detached_at: Date | null;
}

function fromRow(row: UploadRow): Upload {
  return {
    id: Number(row.id),
    ownerId: row.owner_id,
    storageKey: row.storage_key,
    thumbnailKey: row.thumbnail_key,
    contentType: row.content_type,
    name: row.name,
    size: Number(row.size),
    storedBytes: Number(row.stored_bytes),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    chatId: row.chat_id,
    messageId: row.message_id === null ? null : Number(row.message_id),
    position: row.position,
    detachedAt: row.detached_at,
  };
}

/** The only code that touches the uploads table; it joins the ambient transaction. */
@Injectable()
export class UploadsRepository {
  constructor(private readonly db: TransactionHost) {}

  private get manager() {
    return this.db.manager;
  }

  /** The owner's uploads (metadata, never bytes), for their export. */
  ownedBy(ownerId: number): Promise<UploadExport[]> {
    return this.manager.query(
      `SELECT id, name, content_type AS "contentType", size, created_at AS "createdAt",
              chat_id AS "chatId", message_id AS "messageId"
         FROM uploads WHERE owner_id = $1 ORDER BY id`,
      [ownerId],
    );
  }

  /** What the owner's uploads hold now, thumbnails included. */
  async usedBytes(ownerId: number): Promise<number> {
    const rows: { used: string }[] = await this.manager.query(
      'SELECT coalesce(sum(stored_bytes), 0) AS used FROM uploads WHERE owner_id = $1',
      [ownerId],
    );
    return Number(rows[0].used);
  }

  /**
   * Inserts the upload, waiting to be attached for `ttlSeconds`, unless the owner's uploads would
   * then hold more than `quota` bytes (null: no quota): then nothing is inserted and null is answered.
   * Two uploads of one owner take turns here, so together they cannot pass the quota.
   */
  insertWithinQuota(
    upload: NewUpload,
    quota: number | null,
    ttlSeconds: number,
  ): Promise<Upload | null> {
    return this.db.run(async () => {
      if (quota !== null) {
        await this.manager.query('SELECT pg_advisory_xact_lock($1, $2)', [
          UPLOADS_LOCK,
          upload.ownerId,
        ]);
        if ((await this.usedBytes(upload.ownerId)) + upload.storedBytes > quota) return null;
      }
      const rows: UploadRow[] = await this.manager.query(
        `INSERT INTO uploads (owner_id, storage_key, thumbnail_key, content_type, name, size,
                              stored_bytes, sha256, width, height, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))
         RETURNING *`,
        [
          upload.ownerId,
          upload.storageKey,
          upload.thumbnailKey,
          upload.contentType,
          upload.name,
          upload.size,
          upload.storedBytes,
          upload.sha256,
          upload.width,
          upload.height,
          ttlSeconds,
        ],
      );
      return fromRow(rows[0]);
    });
  }

  /**
   * Locks the uploads for the transaction (in id order, so that two flushes cannot deadlock), and
   * says which are still free to attach. Missing ids are left out.
   */
  async lockForAttach(ids: number[]): Promise<UploadLock[]> {
    if (ids.length === 0) return [];
    const rows: (UploadRow & { available: boolean })[] = await this.manager.query(
      `SELECT *, (message_id IS NULL AND expires_at > now()) AS available
         FROM uploads WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    return rows.map((row) => ({ upload: fromRow(row), available: row.available }));
  }

  async attach(links: AttachLink[]): Promise<void> {
    if (links.length === 0) return;
    await this.manager.query(
      `UPDATE uploads u SET chat_id = l.chat_id, message_id = l.message_id, position = l.position,
              expires_at = NULL
         FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::smallint[])
              AS l(id, chat_id, message_id, position)
        WHERE u.id = l.id`,
      [
        links.map((link) => link.id),
        links.map((link) => link.chatId),
        links.map((link) => link.messageId),
        links.map((link) => link.position),
      ],
    );
  }

  /** The uploads attached to these messages, by message and position. */
  async attachedTo(messageIds: number[]): Promise<Upload[]> {
    if (messageIds.length === 0) return [];
    const rows: UploadRow[] = await this.manager.query(
      `SELECT * FROM uploads WHERE message_id = ANY($1::bigint[]) ORDER BY message_id, position`,
      [messageIds],
    );
    return rows.map(fromRow);
  }

  /** The files of deleted messages: unreachable from now on, purged after the grace period. */
  async detach(messageIds: number[]): Promise<void> {
    if (messageIds.length === 0) return;
    await this.manager.query(
      `UPDATE uploads SET detached_at = now()
        WHERE message_id = ANY($1::bigint[]) AND detached_at IS NULL`,
      [messageIds],
    );
  }

  async find(id: number): Promise<Upload | null> {
    const rows: UploadRow[] = await this.manager.query('SELECT * FROM uploads WHERE id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /**
   * Up to `limit` uploads due for purging, locked for the transaction; rows another purge holds
   * are skipped, so purges on several replicas share the work. Due: never attached and expired, or
   * detached longer than `graceSeconds` ago.
   */
  async lockPurgeable(limit: number, graceSeconds: number): Promise<StoredFiles[]> {
    const rows: { id: string; storage_key: string; thumbnail_key: string | null }[] =
      await this.manager.query(
        // The conditions stand in the locking query itself, so a row that changed while the
        // lock was awaited (attached at the last moment) is checked again and left alone.
        `SELECT id, storage_key, thumbnail_key FROM uploads
          WHERE (message_id IS NULL AND expires_at <= now())
             OR detached_at <= now() - make_interval(secs => $2)
          ORDER BY id LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [limit, graceSeconds],
      );
    return rows.map((row) => ({
      id: Number(row.id),
      storageKey: row.storage_key,
      thumbnailKey: row.thumbnail_key,
    }));
  }

  /** Deletes the owner's upload unless it is attached (in the same statement); its files, if so. */
  async deleteUnattached(id: number, ownerId: number): Promise<StoredFiles | null> {
    const rows: { id: string; storage_key: string; thumbnail_key: string | null }[] =
      await this.manager.query(
        `WITH gone AS (
           DELETE FROM uploads WHERE id = $1 AND owner_id = $2 AND message_id IS NULL
           RETURNING id, storage_key, thumbnail_key
         )
         SELECT * FROM gone`,
        [id, ownerId],
      );
    return rows[0]
      ? {
          id: Number(rows[0].id),
          storageKey: rows[0].storage_key,
          thumbnailKey: rows[0].thumbnail_key,
        }
      : null;
  }

  async delete(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.manager.query('DELETE FROM uploads WHERE id = ANY($1::bigint[])', [ids]);
  }

  /**
   * Before a chat is deleted: its files belong to no message any more and expire at once, so the
   * purge removes their bytes.
   */
  /**
   * Makes the owner's uploads that no live message shows (never attached, or of deleted messages)
   * due for purging now: their account is deleted.
   */
  async releaseOwnedBy(ownerId: number): Promise<void> {
    await this.manager.query(
      `UPDATE uploads SET chat_id = NULL, message_id = NULL, position = NULL, detached_at = NULL,
              expires_at = now()
        WHERE owner_id = $1 AND (message_id IS NULL OR detached_at IS NOT NULL)`,
      [ownerId],
    );
  }

  async releaseChat(chatId: number): Promise<void> {
    await this.manager.query(
      `UPDATE uploads SET chat_id = NULL, message_id = NULL, position = NULL, detached_at = NULL,
              expires_at = now()
        WHERE chat_id = $1`,
      [chatId],
    );
  }
}
