import { MigrationInterface, QueryRunner } from 'typeorm';

export class Accounts1795224717327 implements MigrationInterface {
  name = 'Accounts1795224717327';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "refresh_tokens" ("token_hash" bytea NOT NULL, "user_id" integer NOT NULL, "family_id" uuid NOT NULL, "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "used_at" TIMESTAMP(3) WITH TIME ZONE, "revoked_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("token_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "refresh_tokens_user_id_idx" ON "refresh_tokens"  ("user_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "refresh_tokens_family_id_idx" ON "refresh_tokens"  ("family_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "users" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "username" character varying(32) NOT NULL, "display_name" character varying(64) NOT NULL, "password_hash" text NOT NULL, "avatar_etag" character varying(64), "joined_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "users_display_name_length" CHECK (char_length("display_name") BETWEEN 1 AND 64), CONSTRAINT "users_username_format" CHECK ("username" ~ '^[A-Za-z0-9_.-]{3,32}$'), CONSTRAINT "users_pkey" PRIMARY KEY ("id"))`,
    );
    // Case-insensitive uniqueness; the C collation also lets prefix search (LIKE 'abc%') use it.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "users_username_lower_key" ON "users" ((lower("username") COLLATE "C"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "user_avatars" ("user_id" integer NOT NULL, "content_type" character varying(32) NOT NULL, "data" bytea NOT NULL, "etag" character varying(64) NOT NULL, "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "user_avatars_content_type" CHECK ("content_type" IN ('image/png', 'image/jpeg', 'image/webp')), CONSTRAINT "user_avatars_pkey" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "user_avatars" ADD CONSTRAINT "user_avatars_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "user_avatars" DROP CONSTRAINT "user_avatars_user_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" DROP CONSTRAINT "refresh_tokens_user_id_fkey"`,
    );
    await queryRunner.query(`DROP TABLE "user_avatars"`);
    await queryRunner.query(`DROP INDEX "public"."users_username_lower_key"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."refresh_tokens_family_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."refresh_tokens_user_id_idx"`);
    await queryRunner.query(`DROP TABLE "refresh_tokens"`);
  }
}
