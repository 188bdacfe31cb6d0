import { MigrationInterface, QueryRunner } from 'typeorm';

export class Realtime1795227773170 implements MigrationInterface {
  name = 'Realtime1795227773170';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "last_seen_at" TIMESTAMP(3) WITH TIME ZONE`);
    // Where @socket.io/postgres-adapter parks payloads too big for NOTIFY (8000 bytes).
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "socket_io_attachments" ("id" bigserial UNIQUE, "created_at" timestamptz DEFAULT now(), "payload" bytea)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "socket_io_attachments"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "last_seen_at"`);
  }
}
