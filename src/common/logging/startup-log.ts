import pino, { DestinationStream, Logger } from 'pino';
import { NodeEnv } from '../../config/app-config';

/**
 * The logger of start-up and shutdown. In development it speaks to the person at the terminal in
 * plain lines; elsewhere it writes JSON like every other log line, for the log collector.
 */
export function startupLog(
  env: NodeEnv,
  level: string,
  base: Record<string, string> = { context: 'Bootstrap' },
): Logger {
  const options = { level, base };
  return env === 'development' ? pino(options, plainText) : pino(options);
}

const plainText: DestinationStream = {
  write(line: string) {
    const { level, msg, err } = JSON.parse(line) as { level: number; msg: string; err?: Error };
    const label = level >= 50 ? 'error: ' : level >= 40 ? 'warning: ' : '';
    const text = `${label}${msg}${err?.stack ? `\n${err.stack}` : ''}\n`;
    (level >= 40 ? process.stderr : process.stdout).write(text);
  },
};
