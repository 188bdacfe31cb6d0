import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { ATTACHMENT_STORAGE, AttachmentStorage } from './storage/attachment-storage';
import { UploadsRepository } from './uploads.repository';

/** Rows purged per transaction: small enough to keep locks short, big enough to keep up. */
const BATCH = 100;

/**
 * Purges the files no one can reach any more: uploads never attached once they expire, and the
 * files of deleted messages after the grace period. Each batch locks its rows with SKIP LOCKED and
 * removes the bytes before the rows in one transaction, so purges on several replicas (or run twice)
 * share the work and never purge one file twice, and a purge that fails leaves rows to retry.
 */
@Injectable()
export class AttachmentsCleanup implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AttachmentsCleanup.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage,
    private readonly repository: UploadsRepository,
    private readonly transactions: TransactionHost,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.attachments.cleanupIntervalSeconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => {
      this.purge().catch((error: unknown) =>
        this.logger.error({ err: error }, 'Purging attachments failed; the next round retries'),
      );
    }, seconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Purges everything due now; answers how many uploads went. One round at a time per process. */
  purge(): Promise<number> {
    this.running ??= this.purgeAll().finally(() => (this.running = null));
    return this.running;
  }

  private async purgeAll(): Promise<number> {
    let purged = 0;
    for (;;) {
      const batch = await this.transactions.run(async () => {
        const due = await this.repository.lockPurgeable(
          BATCH,
          this.config.attachments.purgeGraceSeconds,
        );
        const keys = due.flatMap((file) => [file.storageKey, file.thumbnailKey ?? []].flat());
        await this.storage.delete(keys);
        await this.repository.delete(due.map((file) => file.id));
        return due.length;
      });
      purged += batch;
      if (batch < BATCH) break;
    }
    if (purged > 0) this.logger.log({ purged }, 'Purged attachments');
    return purged;
  }
}
