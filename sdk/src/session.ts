import { ApiError, type Rest, type TokenSource } from './rest.js';
import type { SessionTokens } from './types.js';

const RETRY_MS = 5000;

/**
 * Where several clients of one session (browser tabs) share its tokens. A refresh token works
 * once: renewals take turns under `exclusive`, and one that finds newer tokens stored than its own
 * takes them instead of renewing again.
 */
export interface SharedTokens {
  load(): SessionTokens | null;
  save(tokens: SessionTokens): void;
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

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
    private readonly shared?: SharedTokens,
  ) {
    // A resumed token's lifetime is unknown: renewing it at once is cheap and certain.
    this.schedule(expiresIn === undefined ? 0 : this.beforeExpiry(expiresIn));
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
  private renew(): Promise<void> {
    const shared = this.shared;
    if (!shared) return this.renewAlone();
    return shared.exclusive(async () => {
      const stored = shared.load();
      if (stored && stored.refreshToken !== this.tokens.refreshToken) {
        // Another tab renewed the session meanwhile: its tokens are ours too.
        this.tokens = stored;
        this.schedule(this.untilRenewal(stored.accessToken));
        this.changed(this.tokens);
        return;
      }
      await this.renewAlone();
      shared.save(this.tokens);
    });
  }

  private async renewAlone(): Promise<void> {
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
    this.schedule(this.beforeExpiry(answer.expiresIn));
    this.changed(this.tokens);
  }

  /** The margin before expiry, but never more than half the token's life (short-lived tokens). */
  private beforeExpiry(expiresInSeconds: number): number {
    const life = expiresInSeconds * 1000;
    return Math.max(life / 2, life - this.marginMs);
  }

  /** For tokens another tab got: from the expiry the token states, not before RETRY_MS. */
  private untilRenewal(accessToken: string): number {
    try {
      const payload = accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const { exp } = JSON.parse(atob(payload)) as { exp?: number };
      if (typeof exp === 'number') {
        return Math.max(RETRY_MS, exp * 1000 - Date.now() - this.marginMs);
      }
    } catch {
      // Not a JWT we can read: look again in a minute.
    }
    return RETRY_MS * 12;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => void this.refresh().catch(() => undefined), Math.max(0, delayMs));
    // In Node, a pending renewal should not keep the process alive on its own.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
