import { ApiError, type Rest, type TokenSource } from './rest.js';
import type { SessionTokens } from './types.js';

const RETRY_MS = 5000;

/**
 * The session's tokens: the access token is renewed before it expires (and whenever the server
 * says it has), one renewal at a time, since a refresh token works once.
 */
export class Session implements TokenSource {
  private renewal: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private readonly rest: Rest,
    private tokens: SessionTokens,
    /** Seconds the access token is valid for, when known (login, refresh): timed on this clock. */
    expiresIn: number | undefined,
    /** How long before its expiry the access token is renewed. */
    private readonly marginMs: number,
    private readonly changed: (tokens: SessionTokens) => void,
    private readonly ended: (error: unknown) => void,
  ) {
    // A resumed token's lifetime is unknown: renewing it at once is cheap and certain.
    this.schedule(expiresIn === undefined ? 0 : expiresIn * 1000 - marginMs);
  }

  accessToken(): string {
    return this.tokens.accessToken;
  }

  get current(): SessionTokens {
    return this.tokens;
  }

  refresh(): Promise<void> {
    this.renewal ??= this.renew().finally(() => (this.renewal = null));
    return this.renewal;
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Only a refusal of the refresh token ends the session; a network error or a server error is
   * tried again later, as the access token may still work meanwhile.
   */
  private async renew(): Promise<void> {
    let answer;
    try {
      answer = await this.rest.refresh(this.tokens.refreshToken);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.stop();
        this.ended(error);
      } else {
        this.schedule(RETRY_MS);
      }
      throw error;
    }
    this.tokens = { accessToken: answer.accessToken, refreshToken: answer.refreshToken };
    this.schedule(answer.expiresIn * 1000 - this.marginMs);
    this.changed(this.tokens);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => void this.refresh().catch(() => undefined), Math.max(0, delayMs));
    // In Node, a pending renewal should not keep the process alive on its own.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
