import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Group moderation: a tombstone records who deleted the message (its sender, or an owner or admin
 * of its group). Until now only senders could delete, so existing tombstones get their sender.
 */
export class Moderation1796398252795 implements MigrationInterface {
  name = 'Moderation1796398252795';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "messages" ADD "deleted_by" integer`);
    await queryRunner.query(
      `UPDATE "messages" SET "deleted_by" = "sender_id" WHERE "deleted_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_deleted_by" CHECK ("deleted_by" IS NULL OR "deleted_at" IS NOT NULL)`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_deleted_by_fkey" FOREIGN KEY ("deleted_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_deleted_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_deleted_by"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "deleted_by"`);
  }
}
