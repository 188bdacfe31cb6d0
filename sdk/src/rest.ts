import type { paths } from './openapi.js';
import type { ApiErrorBody, AuthResponse, SessionTokens } from './types.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Json<R> = R extends { content: { 'application/json': infer J } } ? J : never;

/** What an operation of the OpenAPI document answers on success (200, else 201; void for 204). */
export type Answer<P extends keyof paths, M extends Method> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: infer Ok }
    ? Json<Ok>
    : R extends { 201: infer Created }
      ? Json<Created>
      : void
  : never;

/** What an operation takes as its JSON body. */
export type BodyOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** An operation's query string parameters. */
export type QueryOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? Q
  : never;

/** An operation's path parameters (`{}` when it has none). */
export type PathOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  parameters: { path: infer X };
}
  ? X extends Record<string, unknown>
    ? X
    : Record<string, never>
  : Record<string, never>;

/** A refusal of the API: the HTTP status and the error `code` its documents list. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A request's body, query string and the rest, typed by its operation. */
export interface RequestOptions<P extends keyof paths = keyof paths, M extends Method = Method> {
  body?: BodyOf<P, M>;
  query?: QueryOf<P, M>;
  form?: FormData;
  /** Sent without the access token (login, register, refresh). */
  anonymous?: boolean;
}

type Untyped = {
  body?: unknown;
  query?: Record<string, unknown>;
  form?: FormData;
  anonymous?: boolean;
};

/** Supplies the access token, and renews it when the server says it expired. */
export interface TokenSource {
  accessToken(): string;
  refresh(): Promise<void>;
}

/**
 * Calls the REST API: typed by the paths of the OpenAPI document, JSON in and out, errors as
 * ApiError. A 401 on an authenticated call renews the access token once and tries again.
 */
export class Rest {
  tokens: TokenSource | null = null;

  constructor(
    readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args),
    /** A request that takes longer is abandoned (a TimeoutError), so nothing waits forever. */
    private readonly timeoutMs = 30_000,
  ) {}

  async call<P extends keyof paths, M extends Method>(
    method: M,
    path: P,
    params: PathOf<P, M> = {} as PathOf<P, M>,
    typed: RequestOptions<P, M> = {},
  ): Promise<Answer<P, M>> {
    const options = typed as Untyped;
    const url = this.url(path as string, params as Record<string, unknown>, options.query);
    const used = this.tokens?.accessToken();
    let response = await this.send(method, url, options);
    if (response.status === 401 && this.tokens && !options.anonymous) {
      // Another call may have renewed the token meanwhile: renew only a token still in use.
      if (this.tokens.accessToken() === used) await this.tokens.refresh();
      response = await this.send(method, url, options);
    }
    if (!response.ok) throw await apiError(response);
    if (response.status === 204) return undefined as Answer<P, M>;
    return (await response.json()) as Answer<P, M>;
  }

  login(username: string, password: string): Promise<AuthResponse> {
    const body = { username, password };
    return this.call('post', '/api/v1/auth/login', {}, { body, anonymous: true });
  }

  register(username: string, password: string, displayName?: string): Promise<AuthResponse> {
    const body = { username, password, ...(displayName ? { displayName } : {}) };
    return this.call('post', '/api/v1/auth/register', {}, { body, anonymous: true });
  }

  refresh(refreshToken: string): Promise<AuthResponse> {
    const body = { refreshToken };
    return this.call('post', '/api/v1/auth/refresh', {}, { body, anonymous: true });
  }

  private url(
    path: string,
    params: Record<string, unknown>,
    query: Record<string, unknown> = {},
  ): string {
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(String(params[name])),
    );
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) search.set(key, String(value));
    }
    // URLSearchParams.size is too recent for some browsers still in use.
    const encoded = search.toString();
    const suffix = encoded ? `?${encoded}` : '';
    return `${this.baseUrl.replace(/\/$/, '')}${filled}${suffix}`;
  }

  private send(method: Method, url: string, options: Untyped): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.tokens && !options.anonymous) {
      headers.authorization = `Bearer ${this.tokens.accessToken()}`;
    }
    let body: FormData | string | undefined;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    return this.fetchImpl(url, { method: method.toUpperCase(), headers, body, signal });
  }
}

async function apiError(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await response.json()) as ApiErrorBody;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
  return new ApiError(
    response.status,
    body.code ?? `HTTP_${response.status}`,
    message ?? response.statusText,
  );
}

export type { SessionTokens };
