import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts an app provisions (its own id for them, no password), suspension, and the audit log of
 * the admin API.
 */
export class AccountProvisioning1796404980343 implements MigrationInterface {
  name = 'AccountProvisioning1796404980343';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "admin_audit_log" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "operation" character varying(64) NOT NULL, "method" character varying(8) NOT NULL, "route" character varying(200) NOT NULL, "params" jsonb NOT NULL, "status" smallint NOT NULL, "client_ip" character varying(64) NOT NULL, "request_id" character varying(128) NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "admin_audit_log_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "admin_audit_log_created_idx" ON "admin_audit_log"  ("created_at") `,
    );
    await queryRunner.query(`ALTER TABLE "users" ADD "external_id" character varying(255)`);
    await queryRunner.query(
      `ALTER TABLE "users" ADD CONSTRAINT "users_external_id_key" UNIQUE ("external_id")`,
    );
    await queryRunner.query(`ALTER TABLE "users" ADD "suspended_at" TIMESTAMP(3) WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "users" ADD "suspended_until" TIMESTAMP(3) WITH TIME ZONE`,
    );
    await queryRunner.query(`ALTER TABLE "users" ADD "suspension_reason" text`);
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "users_suspension" CHECK (("suspended_at" IS NOT NULL OR ("suspended_until" IS NULL AND "suspension_reason" IS NULL))
   AND char_length("suspension_reason") <= 500)`);
    await queryRunner.query(
      `ALTER TABLE "users" ADD CONSTRAINT "users_external_id_length" CHECK (char_length("external_id") BETWEEN 1 AND 255)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "users_external_id_length"`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "users_suspension"`);
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "suspension_reason"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "suspended_until"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "suspended_at"`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "users_external_id_key"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "external_id"`);
    await queryRunner.query(`DROP INDEX "public"."admin_audit_log_created_idx"`);
    await queryRunner.query(`DROP TABLE "admin_audit_log"`);
  }
}
