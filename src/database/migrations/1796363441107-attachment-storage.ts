import { MigrationInterface, QueryRunner } from 'typeorm';

/** The bytes of uploaded files when PostgreSQL is their store, in parts of at most 1 MiB. */
export class AttachmentStorage1796363441107 implements MigrationInterface {
  name = 'AttachmentStorage1796363441107';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "attachment_blobs" ("key" character varying(64) NOT NULL, "part" integer NOT NULL, "data" bytea NOT NULL, CONSTRAINT "attachment_blobs_part" CHECK ("part" >= 0), CONSTRAINT "attachment_blobs_pkey" PRIMARY KEY ("key", "part"))`,
    );
    // Out of line and uncompressed: most files (photos, video, PDF) are compressed already, and
    // compressing them again would only cost CPU on every write.
    await queryRunner.query(
      `ALTER TABLE "attachment_blobs" ALTER COLUMN "data" SET STORAGE EXTERNAL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "attachment_blobs"`);
  }
}
