import 'reflect-metadata';
import pino from 'pino';
import { createApp } from './app.setup';
import { MetricsServer } from './metrics/metrics.server';
import { ConfigError, loadConfig } from './config/load-config';
import {
  EmbeddedDatabase,
  ensureDatabase,
  startEmbeddedDatabase,
} from './database/embedded-database';

const EMBEDDED_DATABASE_NAME = 'chat';

async function bootstrap(): Promise<void> {
  const { config, warnings } = loadConfig(process.env);
  const log = pino({ level: config.log.level, base: { context: 'Bootstrap' } });
  warnings.forEach((warning) => log.warn(warning));

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    log.info(
      `DATABASE_URL is not set: starting the embedded PostgreSQL in ${config.database.embedded.dir}`,
    );
    embedded = await startEmbeddedDatabase({
      ...config.database.embedded,
      onLog: (line) => log.debug({ postgres: line }),
    });
    await ensureDatabase(embedded.adminUrl, EMBEDDED_DATABASE_NAME);
    databaseUrl = embedded.urlFor(EMBEDDED_DATABASE_NAME);
    log.info(`Embedded PostgreSQL is up on 127.0.0.1:${config.database.embedded.port}`);
  }

  const app = await createApp({ ...config, database: { ...config.database, url: databaseUrl } });
  await app.listen({ port: config.http.port, host: config.http.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  log.info(`API on http://localhost:${port}/api/v1, docs on http://localhost:${port}/docs`);
  const metricsPort = app.get(MetricsServer).port;
  if (metricsPort !== null) log.info(`Metrics on http://localhost:${metricsPort}/metrics`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: draining in-flight requests and sends, then stopping`);
    // The drain itself gives up after SHUTDOWN_TIMEOUT_MS; this is the backstop for what follows it.
    const deadline = config.shutdownTimeoutMs + 5000;
    setTimeout(() => {
      log.error(`Shutdown took longer than ${deadline} ms; exiting`);
      process.exit(1);
    }, deadline).unref();
    await app.close();
    await embedded?.stop();
    log.info('Stopped');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

bootstrap().catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  pino().fatal(
    { err: error instanceof ConfigError ? undefined : error },
    `Cannot start: ${message}`,
  );
  process.exit(1);
});
