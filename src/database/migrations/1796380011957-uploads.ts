import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Uploads: the metadata of stored files (their bytes are in attachment_blobs or an S3 bucket),
 * each waiting to be attached until it expires, or attached to one message. Messages count their
 * attachments, and one with attachments may have an empty body.
 */
export class Uploads1796380011957 implements MigrationInterface {
  name = 'Uploads1796380011957';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "uploads" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "owner_id" integer NOT NULL, "storage_key" character varying(64) NOT NULL, "thumbnail_key" character varying(64), "content_type" character varying(100) NOT NULL, "name" character varying(255) NOT NULL, "size" bigint NOT NULL, "stored_bytes" bigint NOT NULL, "sha256" character(64) NOT NULL, "width" integer, "height" integer, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP(3) WITH TIME ZONE, "chat_id" integer, "message_id" bigint, "position" smallint, "detached_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "uploads_message_position_key" UNIQUE ("message_id", "position"), CONSTRAINT "uploads_storage_key_key" UNIQUE ("storage_key"), CONSTRAINT "uploads_detached" CHECK ("detached_at" IS NULL OR "message_id" IS NOT NULL), CONSTRAINT "uploads_dimensions" CHECK (("width" IS NULL) = ("height" IS NULL) AND "width" > 0 AND "height" > 0), CONSTRAINT "uploads_position" CHECK ("position" BETWEEN 0 AND 9), CONSTRAINT "uploads_attached" CHECK (("message_id" IS NULL) = ("chat_id" IS NULL) AND ("message_id" IS NULL) = ("position" IS NULL)
   AND ("message_id" IS NULL) = ("expires_at" IS NOT NULL)), CONSTRAINT "uploads_size" CHECK ("size" >= 0 AND "stored_bytes" >= "size"), CONSTRAINT "uploads_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "uploads_detached_idx" ON "uploads"  ("detached_at") WHERE "detached_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "uploads_expiring_idx" ON "uploads"  ("expires_at") WHERE "message_id" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "uploads_owner_idx" ON "uploads"  ("owner_id", "stored_bytes") `,
    );
    await queryRunner.query(
      `ALTER TABLE "uploads" ADD CONSTRAINT "uploads_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "uploads" ADD CONSTRAINT "uploads_message_fkey" FOREIGN KEY ("chat_id", "message_id") REFERENCES "messages"("chat_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );

    await queryRunner.query(
      `ALTER TABLE "messages" ADD "attachment_count" smallint NOT NULL DEFAULT '0'`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_attachment_count" CHECK ("attachment_count" BETWEEN 0 AND 10)`,
    );
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_body_length"`);
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_body_length" CHECK (char_length("body") BETWEEN 1 AND 4000 OR ("body" = '' AND "attachment_count" > 0))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "uploads"`);
    await queryRunner.query(`DELETE FROM "messages" WHERE "body" = ''`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_body_length"`);
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_body_length" CHECK (char_length("body") BETWEEN 1 AND 4000)`,
    );
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_attachment_count"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "attachment_count"`);
  }
}
