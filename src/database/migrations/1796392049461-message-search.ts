import { MigrationInterface, QueryRunner } from 'typeorm';
import { searchTextConfig, searchVectorSql } from '../../messages/search-text-config';

/**
 * Full-text search of messages: a generated tsvector of the body in the text search configuration
 * of SEARCH_TEXT_CONFIG (read when this runs; the app refuses to start if it later differs), and a
 * GIN index of it. TypeORM keeps a generated column's expression in typeorm_metadata, keyed by the
 * database's name.
 */
export class MessageSearch1796392049461 implements MigrationInterface {
  name = 'MessageSearch1796392049461';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const expression = searchVectorSql(searchTextConfig());
    await queryRunner.query(
      `ALTER TABLE "messages" ADD "search_vector" tsvector GENERATED ALWAYS AS (${expression}) STORED NOT NULL`,
    );
    // As TypeORM makes it when its DataSource knows the entities (the migration CLI's may not).
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "typeorm_metadata" ("type" varchar NOT NULL, "database" varchar, "schema" varchar, "table" varchar, "name" varchar, "value" text)`,
    );
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata"("database", "schema", "table", "type", "name", "value")
       VALUES (current_database(), current_schema(), 'messages', 'GENERATED_COLUMN', 'search_vector', $1)`,
      [expression],
    );
    await queryRunner.query(
      `CREATE INDEX "messages_search_idx" ON "messages" USING gin ("search_vector")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."messages_search_idx"`);
    await queryRunner.query(
      `DELETE FROM "typeorm_metadata" WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'messages' AND "name" = 'search_vector'`,
    );
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "search_vector"`);
  }
}
