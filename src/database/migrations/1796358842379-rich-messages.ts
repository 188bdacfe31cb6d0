import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change feed (a per-chat `rev` on chats and messages), replies and reactions. Existing
 * messages take their seq as rev and each chat the rev after its last message, so revs stay
 * unique and every stored message is in the feed from rev 0.
 */
export class RichMessages1796358842379 implements MigrationInterface {
  name = 'RichMessages1796358842379';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "chat_sessions" ADD "last_rev" bigint NOT NULL DEFAULT '1'`,
    );
    await queryRunner.query(`ALTER TABLE "chat_sessions" ADD "rev" bigint NOT NULL DEFAULT '1'`);
    await queryRunner.query(
      `UPDATE "chat_sessions" SET "last_rev" = "last_seq" + 1, "rev" = "last_seq" + 1 WHERE "last_seq" > 0`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_rev_within" CHECK ("rev" BETWEEN 1 AND "last_rev")`,
    );

    await queryRunner.query(`ALTER TABLE "messages" ADD "rev" bigint`);
    await queryRunner.query(`UPDATE "messages" SET "rev" = "seq"`);
    await queryRunner.query(`ALTER TABLE "messages" ALTER COLUMN "rev" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_rev_positive" CHECK ("rev" > 0)`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_chat_id_rev_key" UNIQUE ("chat_id", "rev")`,
    );
    // Unique on (chat_id, id) so that replies and reactions can name a message of their own chat.
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_chat_id_id_key" UNIQUE ("chat_id", "id")`,
    );
    await queryRunner.query(`DROP INDEX "public"."messages_chat_id_id_idx"`);

    await queryRunner.query(`ALTER TABLE "messages" ADD "reply_to_id" bigint`);
    await queryRunner.query(
      `CREATE INDEX "messages_reply_to_idx" ON "messages"  ("chat_id", "reply_to_id") WHERE "reply_to_id" IS NOT NULL`,
    );
    // Should the target row ever go, the reply stays and only forgets what it answered.
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_reply_to_fkey" FOREIGN KEY ("chat_id", "reply_to_id") REFERENCES "messages"("chat_id","id") ON DELETE SET NULL ("reply_to_id") ON UPDATE NO ACTION`,
    );

    await queryRunner.query(
      `CREATE TABLE "message_reactions" ("message_id" bigint NOT NULL, "emoji" character varying(32) NOT NULL, "user_id" integer NOT NULL, "chat_id" integer NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "message_reactions_emoji_length" CHECK (char_length("emoji") BETWEEN 1 AND 32), CONSTRAINT "message_reactions_pkey" PRIMARY KEY ("message_id", "emoji", "user_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "message_reactions_user_id_idx" ON "message_reactions"  ("user_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "message_reactions_who_idx" ON "message_reactions"  ("message_id", "emoji", "created_at", "user_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_message_fkey" FOREIGN KEY ("chat_id", "message_id") REFERENCES "messages"("chat_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "message_reactions"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_reply_to_fkey"`);
    await queryRunner.query(`DROP INDEX "public"."messages_reply_to_idx"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "reply_to_id"`);
    await queryRunner.query(
      `CREATE INDEX "messages_chat_id_id_idx" ON "messages" ("chat_id", "id")`,
    );
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_chat_id_id_key"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_chat_id_rev_key"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_rev_positive"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "rev"`);
    await queryRunner.query(
      `ALTER TABLE "chat_sessions" DROP CONSTRAINT "chat_sessions_rev_within"`,
    );
    await queryRunner.query(`ALTER TABLE "chat_sessions" DROP COLUMN "rev"`);
    await queryRunner.query(`ALTER TABLE "chat_sessions" DROP COLUMN "last_rev"`);
  }
}
