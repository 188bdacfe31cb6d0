import { Agent, IncomingHttpHeaders, OutgoingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent exactly as given: percent-encode it yourself; latin-1 bytes go out raw. */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** Transfer-Encoding: chunked, without a Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed body when the response says it is JSON; NOT_JSON otherwise. */
  json: unknown;
}

export const NOT_JSON = Symbol('not JSON');

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * One HTTP request over node:http, which (unlike fetch) sends bodies with GET, raw latin-1 in the
 * path, duplicate headers and lying content types, as a hostile client can.
 */
export async function rawRequest(
  baseUrl: string,
  req: RawRequest,
  timeoutMs = 15_000,
): Promise<RawResponse> {
  try {
    return await attempt(baseUrl, req, timeoutMs);
  } catch (error) {
    // A kept-alive socket the server closed after its last answer: the request never arrived.
    if ((error as { reusedSocket?: boolean }).reusedSocket) return attempt(baseUrl, req, timeoutMs);
    throw error;
  }
}

function attempt(baseUrl: string, req: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
  const headers: OutgoingHttpHeaders = { ...req.headers };
  if (body && !req.chunked) headers['content-length'] = body.length;
  // Node chunks a body by default for POST, PUT and PATCH only; a DELETE must ask for it.
  if (body && req.chunked) headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers,
        agent,
        timeout: timeoutMs,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: parse(res, text),
          });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // A server may answer (413) and close before the whole body is written: the answer counts.
    outgoing.on('error', (error) => {
      if (answered) return;
      const code = (error as { code?: string }).code;
      const stale = outgoing.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
      reject(Object.assign(error, { reusedSocket: stale }));
    });
    if (body && req.chunked) {
      for (let at = 0; at < body.length; at += 16 * 1024) {
        outgoing.write(body.subarray(at, at + 16 * 1024));
      }
      outgoing.end();
    } else {
      outgoing.end(body);
    }
  });
}

function parse(res: { headers: IncomingHttpHeaders }, text: string): unknown {
  if (!res.headers['content-type']?.includes('json')) return NOT_JSON;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/** Frees the keep-alive sockets (call in afterAll). */
export function closeRawHttp(): void {
  agent.destroy();
}

/**
 * Writes bytes to a fresh TCP connection and reads the first answer: for requests no HTTP client
 * would send (raw bytes in the request line, smuggling shapes). Status 0 when the server closed
 * without answering. A request that never ends is half-closed after `idleMs`.
 */
export function rawExchange(baseUrl: string, bytes: Buffer, idleMs = 2_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    const finish = () => {
      clearTimeout(idle);
      clearTimeout(hard);
      socket.destroy();
      resolve(parseResponse(Buffer.concat(chunks)));
    };
    const idle = setTimeout(() => socket.end(), idleMs);
    const hard = setTimeout(finish, idleMs * 3);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (isComplete(Buffer.concat(chunks))) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
  });
}

export interface StalledExchange {
  /** Status 0 when the server closed without answering or the wait ran out. */
  response: RawResponse;
  /** Whether the server ended the connection within the wait. */
  closed: boolean;
  elapsedMs: number;
}

/**
 * Writes the start of a request to a fresh TCP connection and then stalls, neither sending more nor
 * half-closing, as a slow or hostile client does: what the server answers, and whether it hangs up,
 * within `waitMs`.
 */
export function stalledExchange(
  baseUrl: string,
  bytes: Buffer,
  waitMs: number,
): Promise<StalledExchange> {
  const url = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    const finish = (closed: boolean) => {
      clearTimeout(wait);
      socket.destroy();
      resolve({
        response: parseResponse(Buffer.concat(chunks)),
        closed,
        elapsedMs: Date.now() - started,
      });
    };
    const wait = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

/** Interim answers (100 Continue) come before the real one. */
function withoutInterim(raw: Buffer): Buffer {
  let rest = raw;
  while (/^HTTP\/1\.[01] 1\d\d/.test(rest.subarray(0, 12).toString('latin1'))) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return Buffer.alloc(0);
    rest = rest.subarray(end + 4);
  }
  return rest;
}

function isComplete(all: Buffer): boolean {
  const raw = withoutInterim(all);
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.subarray(0, end).toString('latin1'));
  return length !== null && raw.length >= end + 4 + Number(length[1]);
}

function parseResponse(all: Buffer): RawResponse {
  const raw = withoutInterim(all);
  const text = raw.toString('latin1');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!match) return { status: 0, headers: {}, text, json: NOT_JSON };
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const headers: IncomingHttpHeaders = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end === -1 ? '' : raw.subarray(Buffer.byteLength(head, 'latin1') + 4).toString('utf8');
  const length = Number(headers['content-length']);
  if (Number.isInteger(length)) body = Buffer.from(body).subarray(0, length).toString('utf8');
  // Only the first answer counts when the server answered more than once (pipelined requests).
  return { status: Number(match[1]), headers, text: body, json: parse({ headers }, body) };
}
