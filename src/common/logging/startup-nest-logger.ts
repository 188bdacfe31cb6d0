import { LoggerService } from '@nestjs/common';
import { Logger } from 'pino';
import { FRAMEWORK_CONTEXTS } from './app.logger';

type Level = 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'fatal';

/**
 * Nest's logger while the application is being created, before the app's own logger is in place:
 * its lines go to the start-up log (plain text in development, JSON elsewhere) with the framework's
 * chatter at debug level. Without it, a start that fails (a database that does not answer) would
 * print Nest's coloured default lines, even in production.
 */
export class StartupNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write(FRAMEWORK_CONTEXTS.has(params.at(-1) as string) ? 'debug' : 'info', message, params);
  }

  /** An error that stops the start is reported by the caller, once, in its own words. */
  error(message: unknown, ...params: unknown[]): void {
    this.write(params.at(-1) === 'ExceptionHandler' ? 'debug' : 'error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes `(message, [stack,] context)`; the context names where the line comes from. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else {
      this.logger[level]({ context }, String(message));
    }
  }
}
