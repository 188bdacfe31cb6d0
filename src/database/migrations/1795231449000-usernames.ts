import { MigrationInterface, QueryRunner } from 'typeorm';

/** usernameSkeleton() of src/users/username.ts, in SQL; the check below keeps the two equal. */
const SKELETON = `translate(replace(replace(lower("username" COLLATE "C"), 'rn', 'm'), 'vv', 'w'), 'i10', 'llo')`;

/**
 * Usernames compared without a locale, and look-alike usernames refused. Accounts that already
 * share a skeleton keep their names: the oldest holds the skeleton, the others store none.
 */
export class Usernames1795231449000 implements MigrationInterface {
  name = 'Usernames1795231449000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // lower() under the C collation changes A-Z only, whatever the database's locale says of İ or I.
    await queryRunner.query(`DROP INDEX "public"."users_username_lower_key"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "users_username_lower_key" ON "users" ((lower("username" COLLATE "C")))`,
    );
    await queryRunner.query(`ALTER TABLE "users" ADD "username_skeleton" character varying(32)`);
    await queryRunner.query(
      `UPDATE "users" SET "username_skeleton" = ${SKELETON} WHERE "id" IN (SELECT DISTINCT ON (${SKELETON}) "id" FROM "users" ORDER BY ${SKELETON}, "id")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "users_username_skeleton_key" ON "users" ("username_skeleton") `,
    );
    await queryRunner.query(
      `ALTER TABLE "users" ADD CONSTRAINT "users_username_skeleton_matches" CHECK ("username_skeleton" IS NULL OR "username_skeleton" = ${SKELETON})`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "users" DROP CONSTRAINT "users_username_skeleton_matches"`,
    );
    await queryRunner.query(`DROP INDEX "public"."users_username_skeleton_key"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "username_skeleton"`);
    await queryRunner.query(`DROP INDEX "public"."users_username_lower_key"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "users_username_lower_key" ON "users" ((lower("username") COLLATE "C"))`,
    );
  }
}
