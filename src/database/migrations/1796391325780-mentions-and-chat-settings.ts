import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Mentions as rows (unread mention counts are a range of the reader's index after their read
 * marker), and each participant's own settings for a chat: muted and archived.
 */
export class MentionsAndChatSettings1796391325780 implements MigrationInterface {
  name = 'MentionsAndChatSettings1796391325780';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "message_mentions" ("message_id" bigint NOT NULL, "user_id" integer NOT NULL, "chat_id" integer NOT NULL, "seq" bigint NOT NULL, CONSTRAINT "message_mentions_pkey" PRIMARY KEY ("message_id", "user_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "message_mentions_unread_idx" ON "message_mentions" ("user_id", "chat_id", "seq")`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_participants" ADD "muted" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_participants" ADD "archived" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_mentions" ADD CONSTRAINT "message_mentions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_mentions" ADD CONSTRAINT "message_mentions_message_fkey" FOREIGN KEY ("chat_id", "message_id") REFERENCES "messages"("chat_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "message_mentions" DROP CONSTRAINT "message_mentions_message_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_mentions" DROP CONSTRAINT "message_mentions_user_id_fkey"`,
    );
    await queryRunner.query(`ALTER TABLE "chat_participants" DROP COLUMN "archived"`);
    await queryRunner.query(`ALTER TABLE "chat_participants" DROP COLUMN "muted"`);
    await queryRunner.query(`DROP INDEX "public"."message_mentions_unread_idx"`);
    await queryRunner.query(`DROP TABLE "message_mentions"`);
  }
}
