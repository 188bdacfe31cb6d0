import { MigrationInterface, QueryRunner } from 'typeorm';
import { JOB_QUEUE_SCHEMA } from '../../notifications/job-queue-schema';

/** The queue of the erasure that follows an account's deletion (src/accounts/account-erasure.ts). */
const ERASURE_QUEUE = 'account-erasure';
const USERNAME_FORMAT = `"username" ~ '^[A-Za-z0-9_.-]{3,32}$'`;

/**
 * Deleted accounts: the user row stays as a tombstone (messages and direct chats refer to it) that
 * holds no password or avatar, and whose username becomes `deleted#<id>` once the grace period ends.
 * A person's own messages get an index in id order, for their export and erasure; it replaces the
 * index on sender_id alone, which it covers.
 *
 * No transaction around it, so that each statement holds its lock only as long as it runs: the
 * indexes are built CONCURRENTLY (messages keep being written meanwhile), and the checks are added
 * NOT VALID, then validated under a lock that lets the table be used. Every step can run again, so
 * a migration stopped half-way is finished by running it again; the old index goes only once the
 * new one is built.
 */
export class AccountDeletion1796418412049 implements MigrationInterface {
  name = 'AccountDeletion1796418412049';
  transaction = false as const;

  public async up(queryRunner: QueryRunner): Promise<void> {
    // An index build on a large table outlasts the statement timeout of the app's connections.
    await queryRunner.query('SET statement_timeout = 0');
    try {
      await this.changeUsers(queryRunner);
      await this.createIndex(
        queryRunner,
        'users_deleted_at_idx',
        `ON "users" ("deleted_at") WHERE "deleted_at" IS NOT NULL`,
      );
      await this.createIndex(
        queryRunner,
        'messages_sender_id_id_idx',
        `ON "messages" ("sender_id", "id")`,
      );
      await queryRunner.query(
        `DROP INDEX CONCURRENTLY IF EXISTS "public"."messages_sender_id_idx"`,
      );
      await queryRunner.query(`SELECT "${JOB_QUEUE_SCHEMA}".create_queue($1, $2)`, [
        ERASURE_QUEUE,
        JSON.stringify({ policy: 'standard' }),
      ]);
    } finally {
      await queryRunner.query('RESET statement_timeout');
    }
  }

  private async changeUsers(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "deleted_at" TIMESTAMP(3) WITH TIME ZONE`,
    );
    await this.replaceCheck(
      queryRunner,
      'users_deleted_holds_nothing',
      `"deleted_at" IS NULL OR ("password_hash" IS NULL AND "avatar_etag" IS NULL)`,
    );
    await this.replaceCheck(
      queryRunner,
      'users_username_format',
      `${USERNAME_FORMAT} OR ("deleted_at" IS NOT NULL AND "username" ~ '^deleted#[0-9]+$')`,
    );
  }

  /**
   * Builds the index CONCURRENTLY. A build that failed before (cancelled, or the process gone)
   * leaves an invalid index of that name, which IF NOT EXISTS would take for done: it is dropped
   * and built again.
   */
  private async createIndex(queryRunner: QueryRunner, name: string, definition: string) {
    const rows: { valid: boolean }[] = await queryRunner.query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname = $1`,
      [name],
    );
    if (rows.length > 0 && rows[0].valid) return;
    if (rows.length > 0) await queryRunner.query(`DROP INDEX CONCURRENTLY "public"."${name}"`);
    await queryRunner.query(`CREATE INDEX CONCURRENTLY "${name}" ${definition}`);
  }

  /** TypeORM reverts inside a transaction whatever `transaction` says: no CONCURRENTLY here. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SELECT "${JOB_QUEUE_SCHEMA}".delete_queue($1)`, [ERASURE_QUEUE]);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "messages_sender_id_idx" ON "messages" ("sender_id")`,
    );
    await queryRunner.query(`DROP INDEX IF EXISTS "public"."messages_sender_id_id_idx"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "public"."users_deleted_at_idx"`);
    // Freed usernames do not fit the old rule: they become `deleted_<id>`, which does.
    await queryRunner.query(
      `UPDATE "users" SET "username" = 'deleted_' || "id" WHERE "username" LIKE 'deleted#%'`,
    );
    await this.replaceCheck(queryRunner, 'users_username_format', USERNAME_FORMAT);
    await queryRunner.query(
      `ALTER TABLE "users" DROP CONSTRAINT IF EXISTS "users_deleted_holds_nothing"`,
    );
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN IF EXISTS "deleted_at"`);
  }

  private async replaceCheck(queryRunner: QueryRunner, name: string, check: string) {
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT IF EXISTS "${name}"`);
    await queryRunner.query(
      `ALTER TABLE "users" ADD CONSTRAINT "${name}" CHECK (${check}) NOT VALID`,
    );
    await queryRunner.query(`ALTER TABLE "users" VALIDATE CONSTRAINT "${name}"`);
  }
}
