/** A port the server was told to listen on is taken: the message names it and the setting that moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly variable: string,
    readonly port: number,
    host: string,
  ) {
    super(
      `port ${port} (on ${host}) is already in use by another process. Stop that process, ` +
        `or set ${variable} to a free port, e.g. ${variable}=${port + 1}`,
    );
  }
}

/** What a failed listen on `host:port`, set by `variable`, should report. */
export function listenFailure(
  error: unknown,
  variable: string,
  port: number,
  host: string,
): unknown {
  return (error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE'
    ? new PortInUseError(variable, port, host)
    : error;
}
