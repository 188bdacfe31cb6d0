import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { DataSource } from 'typeorm';
import { listenFailure } from '../common/lifecycle/port-in-use';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Serves /metrics on its own port (METRICS_PORT), apart from the API: the Service and the Ingress
 * expose only the API port, so metrics are reachable by the in-cluster scraper and nobody else.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server: Server | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.metrics;
    if (port === null) return;
    this.server = createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.refreshPoolGauge();
      this.metrics.registry.metrics().then(
        (text) =>
          response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
        (error: unknown) => {
          this.logger.error({ err: error }, 'Could not render metrics');
          response.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', (error) =>
        reject(listenFailure(error, 'METRICS_PORT', port, host)),
      );
      this.server!.listen(port, host, resolve);
    });
  }

  /** The port actually listened on (the config may ask for 0: any free port). */
  get port(): number | null {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : null;
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private refreshPoolGauge(): void {
    const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    if (!pool) return;
    this.metrics.databasePool.set({ state: 'total' }, pool.totalCount);
    this.metrics.databasePool.set({ state: 'idle' }, pool.idleCount);
    this.metrics.databasePool.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
    this.metrics.databasePool.set({ state: 'waiting' }, pool.waitingCount);
  }
}
