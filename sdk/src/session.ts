import { expiryOf, type Rest, type TokenSource } from './rest.js';
import type { SessionTokens } from './types.js';

/**
 * The session's tokens: the access token is renewed before it expires (and whenever the server
 * says it has), one renewal at a time, since a refresh token works once.
 */
export class Session implements TokenSource {
  private renewal: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly rest: Rest,
    private tokens: SessionTokens,
    /** How long before its expiry the access token is renewed. */
    private readonly marginMs: number,
    private readonly changed: (tokens: SessionTokens) => void,
    private readonly ended: (error: unknown) => void,
  ) {
    this.schedule();
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async renew(): Promise<void> {
    try {
      const answer = await this.rest.refresh(this.tokens.refreshToken);
      this.tokens = { accessToken: answer.accessToken, refreshToken: answer.refreshToken };
    } catch (error) {
      this.stop();
      this.ended(error);
      throw error;
    }
    this.schedule();
    this.changed(this.tokens);
  }

  private schedule(): void {
    this.stop();
    const expiry = expiryOf(this.tokens.accessToken);
    if (expiry === null) return;
    const delay = Math.max(0, expiry * 1000 - Date.now() - this.marginMs);
    this.timer = setTimeout(() => void this.refresh().catch(() => undefined), delay);
    // In Node, a pending renewal should not keep the process alive on its own.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
