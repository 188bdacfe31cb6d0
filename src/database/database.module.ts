import { Global, Logger, Module } from '@nestjs/common';
import { Pool } from 'pg';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { guardPoolClients } from './guard-pool-clients';
import { runMigrationsLocked } from './run-migrations';
import { TransactionHost } from './transaction-host';

const logger = new Logger('Database');

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: ({ database }: AppConfig) => {
        if (!database.url) throw new Error('database.url must be resolved before the app starts');
        return {
          ...dataSourceOptions(database.url, database.poolSize),
          autoLoadEntities: true,
          migrationsRun: database.runMigrations,
          retryAttempts: 5,
          retryDelay: 2000,
        };
      },
      dataSourceFactory: async (options?: DataSourceOptions) => {
        const { migrationsRun, ...rest } = options!;
        const dataSource = await new DataSource({ ...rest, migrationsRun: false }).initialize();
        guardPoolClients((dataSource.driver as PostgresDriver).master as Pool, logger);
        if (migrationsRun) await runMigrationsLocked(dataSource);
        return dataSource;
      },
    }),
  ],
  providers: [TransactionHost],
  exports: [TransactionHost],
})
export class DatabaseModule {}
