import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';

/**
 * An uploaded file's metadata; its bytes are in the storage under `storageKey` (and a picture's
 * thumbnail under `thumbnailKey`). Waiting to be attached it has `expiresAt`; attached, it belongs
 * to one message of one chat at a position; once that message is deleted it is `detachedAt` and
 * purged after the grace period.
 */
@Entity({ name: 'uploads' })
@Unique('uploads_storage_key_key', ['storageKey'])
@Unique('uploads_message_position_key', ['messageId', 'position'])
@Check('uploads_size', `"size" >= 0 AND "stored_bytes" >= "size"`)
@Check(
  'uploads_attached',
  `("message_id" IS NULL) = ("chat_id" IS NULL) AND ("message_id" IS NULL) = ("position" IS NULL)
   AND ("message_id" IS NULL) = ("expires_at" IS NOT NULL)`,
)
@Check('uploads_position', `"position" BETWEEN 0 AND 9`)
@Check(
  'uploads_dimensions',
  `("width" IS NULL) = ("height" IS NULL) AND "width" > 0 AND "height" > 0`,
)
@Check('uploads_detached', `"detached_at" IS NULL OR "message_id" IS NOT NULL`)
@ForeignKey('Message', ['chatId', 'messageId'], ['chatId', 'id'], { name: 'uploads_message_fkey' })
// Quotas add up an owner's uploads without reading the table.
@Index('uploads_owner_idx', ['ownerId', 'storedBytes'])
@Index('uploads_expiring_idx', ['expiresAt'], { where: '"message_id" IS NULL' })
@Index('uploads_detached_idx', ['detachedAt'], { where: '"detached_at" IS NOT NULL' })
export class Upload {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'uploads_pkey',
  })
  id!: number;

  @ForeignKey('User', 'id', { name: 'uploads_owner_id_fkey' })
  @Column({ name: 'owner_id', type: 'integer' })
  ownerId!: number;

  @Column({ name: 'storage_key', type: 'varchar', length: 64 })
  storageKey!: string;

  @Column({ name: 'thumbnail_key', type: 'varchar', length: 64, nullable: true })
  thumbnailKey!: string | null;

  @Column({ name: 'content_type', type: 'varchar', length: 100 })
  contentType!: string;

  /** The file name as the client gave it, made safe to show (see uploadName). */
  @Column({ type: 'varchar', length: 255 })
  name!: string;

  /** Bytes of the stored file (a picture as re-encoded). */
  @Column({ type: 'bigint' })
  size!: number;

  /** The file and its thumbnail: what counts against the owner's quota. */
  @Column({ name: 'stored_bytes', type: 'bigint' })
  storedBytes!: number;

  /** SHA-256 of the stored file, hex: its ETag. */
  @Column({ type: 'char', length: 64 })
  sha256!: string;

  @Column({ type: 'integer', nullable: true })
  width!: number | null;

  @Column({ type: 'integer', nullable: true })
  height!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3, nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'chat_id', type: 'integer', nullable: true })
  chatId!: number | null;

  @Column({ name: 'message_id', type: 'bigint', nullable: true })
  messageId!: number | null;

  @Column({ type: 'smallint', nullable: true })
  position!: number | null;

  @Column({ name: 'detached_at', type: 'timestamptz', precision: 3, nullable: true })
  detachedAt!: Date | null;
}
