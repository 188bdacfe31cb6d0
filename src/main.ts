import 'reflect-metadata';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { API_PREFIX, createApp } from './app.setup';
import { listenFailure, PortInUseError } from './common/lifecycle/port-in-use';
import { StartupCheckError } from './common/lifecycle/startup-check-error';
import { startupBanner, localUrl } from './common/logging/startup-banner';
import { startupLog } from './common/logging/startup-log';
import { MetricsServer } from './metrics/metrics.server';
import { AppConfig } from './config/app-config';
import { ConfigError, loadConfig } from './config/load-config';
import { DatabaseStartError, databaseStartFailure } from './database/database-start-failure';
import {
  EmbeddedDatabase,
  ensureDatabase,
  startEmbeddedDatabase,
} from './database/embedded-database';

const EMBEDDED_DATABASE_NAME = 'chat';

/** JSON until the configuration is read and says otherwise. */
let log = startupLog('production', 'info');

async function bootstrap(): Promise<void> {
  const { config, warnings } = loadConfig(process.env);
  log = startupLog(config.env, config.log.level);
  warnings.forEach((warning) => log.warn(warning));

  let embedded: EmbeddedDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  try {
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
      log.debug(`Embedded PostgreSQL is up on 127.0.0.1:${config.database.embedded.port}`);
    }
    const database = { ...config.database, url: databaseUrl };
    app = await createApp({ ...config, database }).catch((error: unknown) => {
      throw databaseStartFailure(error, config.database);
    });
    const { host, port } = config.http;
    await app.listen({ port, host }).catch((error: unknown) => {
      throw listenFailure(error, 'PORT', port, host);
    });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
  announce(app, config);

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

/** Where everything is: a banner for a developer, JSON lines for a log collector. */
function announce(app: NestFastifyApplication, config: AppConfig): void {
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const baseUrl = localUrl(config.http.host, port);
  const apiUrl = `${baseUrl}/${API_PREFIX}`;
  const metricsPort = app.get(MetricsServer).port;
  const metricsUrl =
    metricsPort === null ? null : `${localUrl(config.metrics.host, metricsPort)}/metrics`;
  if (config.env === 'development') {
    log.info(`\n${startupBanner({ baseUrl, apiUrl, metricsUrl, database: config.database })}\n`);
    return;
  }
  log.info(`API on ${apiUrl}, docs on ${baseUrl}/docs`);
  if (metricsUrl) log.info(`Metrics on ${metricsUrl}`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) log = startupLog(error.env, 'info');
  const expected =
    error instanceof ConfigError ||
    error instanceof PortInUseError ||
    error instanceof DatabaseStartError ||
    error instanceof StartupCheckError;
  const message = error instanceof Error ? error.message : String(error);
  log.fatal({ err: expected ? undefined : error }, `Cannot start: ${message}`);
  process.exit(1);
});
