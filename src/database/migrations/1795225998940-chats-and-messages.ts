import { MigrationInterface, QueryRunner } from 'typeorm';

export class ChatsAndMessages1795225998940 implements MigrationInterface {
  name = 'ChatsAndMessages1795225998940';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "chat_participants" ("chat_id" integer NOT NULL, "user_id" integer NOT NULL, "role" character varying(8) NOT NULL DEFAULT 'member', "joined_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "last_read_message_id" bigint, "last_read_seq" bigint NOT NULL DEFAULT '0', CONSTRAINT "chat_participants_role" CHECK ("role" IN ('owner', 'admin', 'member')), CONSTRAINT "chat_participants_pkey" PRIMARY KEY ("chat_id", "user_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "chat_participants_user_id_idx" ON "chat_participants"  ("user_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "chat_sessions" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "type" character varying(8) NOT NULL, "name" character varying(100), "topic" character varying(64) NOT NULL, "user_1_id" integer, "user_2_id" integer, "last_seq" bigint NOT NULL DEFAULT '0', "last_message" jsonb, "last_activity_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_sessions_topic_key" UNIQUE ("topic"), CONSTRAINT "chat_sessions_direct_pair_key" UNIQUE ("user_1_id", "user_2_id"), CONSTRAINT "chat_sessions_group_name" CHECK ("type" = 'direct' OR char_length("name") BETWEEN 1 AND 100), CONSTRAINT "chat_sessions_direct_pair" CHECK (("type" = 'direct') = ("user_1_id" IS NOT NULL AND "user_2_id" IS NOT NULL) AND ("user_1_id" < "user_2_id" OR "user_1_id" IS NULL)), CONSTRAINT "chat_sessions_type" CHECK ("type" IN ('direct', 'group')), CONSTRAINT "chat_sessions_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "chat_sessions_user_2_id_idx" ON "chat_sessions"  ("user_2_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "messages" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "chat_id" integer NOT NULL, "seq" bigint NOT NULL, "sender_id" integer NOT NULL, "body" text, "client_message_id" character varying(64), "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "edited_at" TIMESTAMP(3) WITH TIME ZONE, "deleted_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "messages_chat_id_seq_key" UNIQUE ("chat_id", "seq"), CONSTRAINT "messages_seq_positive" CHECK ("seq" > 0), CONSTRAINT "messages_body_length" CHECK (char_length("body") BETWEEN 1 AND 4000), CONSTRAINT "messages_tombstone" CHECK (("deleted_at" IS NULL) = ("body" IS NOT NULL)), CONSTRAINT "messages_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "messages_sender_id_idx" ON "messages"  ("sender_id") `);
    await queryRunner.query(
      `CREATE INDEX "messages_chat_id_id_idx" ON "messages"  ("chat_id", "id") `,
    );
    // Idempotent sends: a resend with the same client_message_id finds the first message.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "messages_client_message_id_key" ON "messages" ("chat_id", "sender_id", "client_message_id") WHERE "client_message_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_participants" ADD CONSTRAINT "chat_participants_chat_id_fkey" FOREIGN KEY ("chat_id") REFERENCES "chat_sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_participants" ADD CONSTRAINT "chat_participants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_user_1_id_fkey" FOREIGN KEY ("user_1_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_user_2_id_fkey" FOREIGN KEY ("user_2_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_chat_id_fkey" FOREIGN KEY ("chat_id") REFERENCES "chat_sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "messages_sender_id_fkey" FOREIGN KEY ("sender_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_sender_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "messages_chat_id_fkey"`);
    await queryRunner.query(
      `ALTER TABLE "chat_sessions" DROP CONSTRAINT "chat_sessions_user_2_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_sessions" DROP CONSTRAINT "chat_sessions_user_1_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_participants" DROP CONSTRAINT "chat_participants_user_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_participants" DROP CONSTRAINT "chat_participants_chat_id_fkey"`,
    );
    await queryRunner.query(`DROP INDEX "public"."messages_client_message_id_key"`);
    await queryRunner.query(`DROP INDEX "public"."messages_chat_id_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."messages_sender_id_idx"`);
    await queryRunner.query(`DROP TABLE "messages"`);
    await queryRunner.query(`DROP INDEX "public"."chat_sessions_user_2_id_idx"`);
    await queryRunner.query(`DROP TABLE "chat_sessions"`);
    await queryRunner.query(`DROP INDEX "public"."chat_participants_user_id_idx"`);
    await queryRunner.query(`DROP TABLE "chat_participants"`);
  }
}
