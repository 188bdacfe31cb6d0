import { verdictOf } from './delivery-verdict';

describe('verdictOf', () => {
  it.each([
    [{ status: 200 }, 'succeeded'],
    [{ status: 204 }, 'succeeded'],
    [{ status: 410 }, 'gone'],
    [{ status: 408 }, 'retry'],
    [{ status: 429 }, 'retry'],
    [{ status: 500 }, 'retry'],
    [{ status: 503 }, 'retry'],
    [{ status: 301 }, 'failed'],
    [{ status: 307 }, 'failed'],
    [{ status: 400 }, 'failed'],
    [{ status: 401 }, 'failed'],
    [{ status: 404 }, 'failed'],
    [{ failure: 'network' }, 'retry'],
    [{ failure: 'timeout' }, 'retry'],
    [{ failure: 'forbidden' }, 'failed'],
  ] as const)('%j is %s', (result, verdict) => {
    expect(verdictOf(result)).toBe(verdict);
  });
});
