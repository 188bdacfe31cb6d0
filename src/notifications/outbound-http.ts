import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { hostOf, OutboundPolicy } from './outbound-policy';

export type OutboundFailure = 'forbidden' | 'timeout' | 'network';

/** A request that got no HTTP answer: refused by the policy, too slow, or a network error. */
export class OutboundError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    message: string,
  ) {
    super(message);
  }
}

/** What is kept of an answer's body: enough to show an operator why it failed. */
const KEPT_BODY_BYTES = 512;

/**
 * POSTs to webhook receivers and push services: never to an address the policy refuses (checked
 * on every connection, after DNS), never following a redirect, within a deadline for the whole
 * exchange. Connections are kept alive per host, as one receiver usually gets many deliveries.
 */
export class OutboundHttp {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(
    private readonly policy: OutboundPolicy,
    socketsPerHost: number,
  ) {
    const lookup = this.guardedLookup();
    const options = { keepAlive: true, maxSockets: socketsPerHost, lookup };
    this.agents = { http: new http.Agent(options), https: new https.Agent(options) };
  }

  /** Answers the status and the start of the body; throws OutboundError when there is no answer. */
  post(
    url: string,
    headers: Record<string, string>,
    body: Buffer | string,
    timeoutMs: number,
  ): Promise<{ status: number; body: string }> {
    const target = new URL(url);
    const host = hostOf(target);
    if (isIP(host) && !this.policy.allows(host)) {
      return Promise.reject(new OutboundError('forbidden', `${host} is an internal address`));
    }
    const secure = target.protocol === 'https:';
    const request = (secure ? https : http).request;
    return new Promise((resolve, reject) => {
      const req = request(target, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
        signal: AbortSignal.timeout(timeoutMs),
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < KEPT_BODY_BYTES) chunks.push(chunk);
          kept += chunk.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: printable(Buffer.concat(chunks)) }),
        );
        res.on('error', (error) => reject(failure(error)));
      });
      req.on('error', (error) => reject(failure(error)));
      req.end(body);
    });
  }

  /** DNS as usual, but a name with an address the policy refuses does not connect at all. */
  private guardedLookup(): LookupFunction {
    return (hostname: string, options: LookupOptions, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 0);
        const refused = addresses.find((entry) => !this.policy.allows(entry.address));
        if (refused) {
          const denied = new OutboundError(
            'forbidden',
            `${hostname} resolves to ${refused.address}, an internal address`,
          );
          return callback(denied as NodeJS.ErrnoException, '', 0);
        }
        if (options.all) return (callback as AllCallback)(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      });
    };
  }
}

/** The start of an answer as text that can be stored and shown: no NUL or other control bytes. */
function printable(body: Buffer): string {
  const text = body.toString('utf8').slice(0, KEPT_BODY_BYTES);
  // PostgreSQL text refuses NUL; the other control bytes only garble what an operator reads.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

type AllCallback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;

function failure(error: Error): OutboundError {
  if (error instanceof OutboundError) return error;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return new OutboundError('timeout', 'no answer in time');
  }
  return new OutboundError('network', error.message);
}
