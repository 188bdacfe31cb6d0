import { MigrationInterface, QueryRunner } from 'typeorm';

export class Friends1795225763301 implements MigrationInterface {
  name = 'Friends1795225763301';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "friend_requests" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "from_user_id" integer NOT NULL, "to_user_id" integer NOT NULL, "message" character varying(200), "status" character varying(16) NOT NULL DEFAULT 'pending', "sent_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "responded_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "friend_requests_responded" CHECK (("status" = 'pending') = ("responded_at" IS NULL)), CONSTRAINT "friend_requests_message_length" CHECK (char_length("message") <= 200), CONSTRAINT "friend_requests_status" CHECK ("status" IN ('pending', 'accepted', 'rejected')), CONSTRAINT "friend_requests_not_to_self" CHECK ("from_user_id" <> "to_user_id"), CONSTRAINT "friend_requests_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "friend_requests_from_user_id_id_idx" ON "friend_requests"  ("from_user_id", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "friend_requests_to_user_id_id_idx" ON "friend_requests"  ("to_user_id", "id") `,
    );
    // At most one pending request per pair, whichever way it goes.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "friend_requests_one_pending_per_pair" ON "friend_requests" (LEAST("from_user_id", "to_user_id"), GREATEST("from_user_id", "to_user_id")) WHERE "status" = 'pending'`,
    );
    await queryRunner.query(
      `CREATE TABLE "friendships" ("user_low_id" integer NOT NULL, "user_high_id" integer NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "friendships_ordered_pair" CHECK ("user_low_id" < "user_high_id"), CONSTRAINT "friendships_pkey" PRIMARY KEY ("user_low_id", "user_high_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "friendships_user_high_id_idx" ON "friendships"  ("user_high_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "user_blocks" ("blocker_id" integer NOT NULL, "blocked_id" integer NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "user_blocks_not_self" CHECK ("blocker_id" <> "blocked_id"), CONSTRAINT "user_blocks_pkey" PRIMARY KEY ("blocker_id", "blocked_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "user_blocks_blocked_id_idx" ON "user_blocks"  ("blocked_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "users" ADD "allow_friend_requests" boolean NOT NULL DEFAULT true`,
    );
    await queryRunner.query(
      `ALTER TABLE "friend_requests" ADD CONSTRAINT "friend_requests_from_user_id_fkey" FOREIGN KEY ("from_user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "friend_requests" ADD CONSTRAINT "friend_requests_to_user_id_fkey" FOREIGN KEY ("to_user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "friendships" ADD CONSTRAINT "friendships_user_low_id_fkey" FOREIGN KEY ("user_low_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "friendships" ADD CONSTRAINT "friendships_user_high_id_fkey" FOREIGN KEY ("user_high_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "user_blocks" ADD CONSTRAINT "user_blocks_blocker_id_fkey" FOREIGN KEY ("blocker_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "user_blocks" ADD CONSTRAINT "user_blocks_blocked_id_fkey" FOREIGN KEY ("blocked_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "user_blocks" DROP CONSTRAINT "user_blocks_blocked_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "user_blocks" DROP CONSTRAINT "user_blocks_blocker_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "friendships" DROP CONSTRAINT "friendships_user_high_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "friendships" DROP CONSTRAINT "friendships_user_low_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "friend_requests" DROP CONSTRAINT "friend_requests_to_user_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "friend_requests" DROP CONSTRAINT "friend_requests_from_user_id_fkey"`,
    );
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "allow_friend_requests"`);
    await queryRunner.query(`DROP INDEX "public"."user_blocks_blocked_id_idx"`);
    await queryRunner.query(`DROP TABLE "user_blocks"`);
    await queryRunner.query(`DROP INDEX "public"."friendships_user_high_id_idx"`);
    await queryRunner.query(`DROP TABLE "friendships"`);
    await queryRunner.query(`DROP INDEX "public"."friend_requests_one_pending_per_pair"`);
    await queryRunner.query(`DROP INDEX "public"."friend_requests_to_user_id_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."friend_requests_from_user_id_id_idx"`);
    await queryRunner.query(`DROP TABLE "friend_requests"`);
  }
}
