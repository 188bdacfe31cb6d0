import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The bytes of stored files when PostgreSQL is the store, cut in parts of at most
 * PART_BYTES so that neither writing nor reading a file holds all of it in memory. Apart from the
 * metadata of uploads, so listing them never reads bytes.
 */
@Entity({ name: 'attachment_blobs' })
@Check('attachment_blobs_part', `"part" >= 0`)
export class AttachmentBlob {
  @PrimaryColumn({
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'attachment_blobs_pkey',
  })
  key!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'attachment_blobs_pkey' })
  part!: number;

  @Column({ type: 'bytea' })
  data!: Buffer;
}
