import { OutboundFailure } from './outbound-http';

/** How one attempt went: the receiver's status, or why there was none. */
export type AttemptResult = { status: number } | { failure: OutboundFailure };

/**
 * What an attempt means for its delivery: done; worth another try later (the network, a timeout,
 * 408, 429, 5xx); the receiver is gone for good (410: the endpoint is disabled); or refused for good
 * (any other answer, a redirect included since none is followed, or an address not allowed).
 */
export type Verdict = 'succeeded' | 'retry' | 'gone' | 'failed';

export function verdictOf(result: AttemptResult): Verdict {
  if ('failure' in result) return result.failure === 'forbidden' ? 'failed' : 'retry';
  const { status } = result;
  if (status >= 200 && status < 300) return 'succeeded';
  if (status === 410) return 'gone';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}
