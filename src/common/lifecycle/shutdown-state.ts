import { Injectable } from '@nestjs/common';

/**
 * Whether this instance is draining, and how many HTTP requests are still being served. Read by
 * readiness, the HTTP hooks and the socket gateway, so they all stop taking new work together.
 */
@Injectable()
export class ShutdownState {
  private draining = false;
  private inFlight = 0;
  private onIdle: (() => void) | null = null;

  get shuttingDown(): boolean {
    return this.draining;
  }

  begin(): void {
    this.draining = true;
  }

  requestStarted(): void {
    this.inFlight += 1;
  }

  requestFinished(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) this.onIdle?.();
  }

  /** Resolves once no HTTP request is being served. */
  requestsDrained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }
}
