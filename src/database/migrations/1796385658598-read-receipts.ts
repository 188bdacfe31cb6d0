import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read receipts: when each participant's read marker last moved, and whether a user shows theirs
 * to others (on by default, as before: markers were already broadcast as chat:read).
 */
export class ReadReceipts1796385658598 implements MigrationInterface {
  name = 'ReadReceipts1796385658598';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "chat_participants" ADD "last_read_at" TIMESTAMP(3) WITH TIME ZONE`,
    );
    await queryRunner.query(
      `ALTER TABLE "users" ADD "share_read_receipts" boolean NOT NULL DEFAULT true`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "share_read_receipts"`);
    await queryRunner.query(`ALTER TABLE "chat_participants" DROP COLUMN "last_read_at"`);
  }
}
