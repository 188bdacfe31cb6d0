import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import PgBoss from 'pg-boss';
import { AttachmentsCleanup } from '../attachments/attachments-cleanup';
import { UploadsService } from '../attachments/uploads.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MessagesService } from '../messages/messages.service';
import { ReactionsService } from '../messages/reactions.service';
import { JobQueue } from '../notifications/job-queue';
import { UsersService } from '../users/users.service';
import { AccountDeletionService } from './account-deletion.service';
import { ERASURE_QUEUE, ErasureJob, erasureJob, erasureQueue } from './account-erasure-queue';

/** Messages erased per job: a few flushes of the message batcher, well within a step's expiry. */
const ERASURE_STEP = 200;
/**
 * When the final pass runs: well after any send that passed its gate before the deletion committed
 * has committed too (each of its statements gives up after 15 s).
 */
const FINAL_PASS_DELAY_MS = 120_000;
/** How often each replica frees the usernames whose grace period is over. */
const USERNAME_SWEEP_INTERVAL_MS = 3600_000;
/** The first sweep comes within this long after start. */
const USERNAME_SWEEP_FIRST_MS = 300_000;

/**
 * Erases what a deleted account left (see AccountDeletionService), as a chain of jobs that each do a
 * bounded step and write the next: the person's reactions, then their messages (as tombstones,
 * unless ACCOUNT_ERASE_MESSAGES=keep), then the uploads no live message shows. Every step can run
 * twice (a retry after a crash) without harm. Also frees the usernames of accounts deleted longer
 * ago than ACCOUNT_USERNAME_GRACE_DAYS.
 */
@Injectable()
export class AccountErasure implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AccountErasure.name);
  private sweep: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: JobQueue,
    private readonly deletion: AccountDeletionService,
    private readonly users: UsersService,
    private readonly messages: MessagesService,
    private readonly reactions: ReactionsService,
    private readonly uploads: UploadsService,
    private readonly cleanup: AttachmentsCleanup,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.serve(erasureQueue(), (jobs: PgBoss.Job<object>[]) =>
      this.step(jobs[0].data as ErasureJob),
    );
    if (!this.config.jobs.workers) return;
    // Soon after start too (with a random delay, so replicas started together spread out): a
    // replica restarted more often than hourly still sweeps.
    const first = Math.round(Math.random() * USERNAME_SWEEP_FIRST_MS);
    this.sweep = setTimeout(() => {
      void this.freeUsernames();
      this.sweep = setInterval(() => void this.freeUsernames(), USERNAME_SWEEP_INTERVAL_MS);
      this.sweep.unref();
    }, first);
    this.sweep.unref();
  }

  onModuleDestroy(): void {
    if (this.sweep) clearTimeout(this.sweep);
  }

  /** One step of a pass; the next one is written before this one is marked done. */
  async step({ userId, afterId, final }: ErasureJob): Promise<void> {
    if (afterId === 0) {
      await this.deletion.untie(userId);
      await this.reactions.eraseOwn(userId);
      await this.freeUsernames();
    }
    const next =
      this.config.accounts.eraseMessages === 'tombstone'
        ? await this.messages.eraseOwn(userId, afterId, ERASURE_STEP)
        : null;
    if (next !== null) return this.continueWith({ userId, afterId: next, final });
    await this.uploads.releaseOwnedBy(userId);
    await this.cleanup.purge();
    if (!final) {
      const startAfter = new Date(Date.now() + FINAL_PASS_DELAY_MS);
      await this.continueWith({ userId, afterId: 0, final: true }, startAfter);
    }
  }

  /** Frees the usernames whose grace period is over; answers how many. */
  async freeUsernames(): Promise<number> {
    try {
      const freed = await this.users.freeUsernames(this.config.accounts.usernameGraceDays);
      if (freed > 0) this.logger.log({ freed }, 'Freed the usernames of deleted accounts');
      return freed;
    } catch (error) {
      this.logger.error({ err: error }, 'Freeing usernames failed; the next round retries');
      return 0;
    }
  }

  private async continueWith(job: ErasureJob, startAfter?: Date): Promise<void> {
    await this.queue.insert(ERASURE_QUEUE, [erasureJob(job, startAfter)]);
    if (!startAfter) this.queue.nudge(ERASURE_QUEUE);
  }
}
