import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/load-config';
import { dataSourceOptions } from './src/database/data-source-options';

/** The DataSource of the TypeORM CLI (npm run migration:run / :revert / :generate). */
const { database } = loadConfig(process.env).config;
if (!database.url) {
  throw new Error(
    'Set DATABASE_URL for the migration CLI, e.g. postgres://postgres:postgres@127.0.0.1:54329/chat for the embedded dev server',
  );
}

export default new DataSource({
  ...dataSourceOptions(database.url, database.poolSize),
  entities: [join(__dirname, 'src/**/*.entity.{ts,js}')],
});
