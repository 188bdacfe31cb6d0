import { Client } from 'pg';

/**
 * The statements matching `which` that every pg client of this process (the app's pools included)
 * sends while `work` runs, and what `work` answered: for tests that hold a page to its number of
 * queries, whatever its size.
 */
export async function statementsDuring<T>(
  which: (text: string) => boolean,
  work: () => Promise<T>,
): Promise<[T, string[]]> {
  const statements: string[] = [];
  const query = Client.prototype.query as (...args: unknown[]) => unknown;
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (
    this: Client,
    ...args: unknown[]
  ) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    if (text && which(text)) statements.push(text);
    return query.apply(this, args);
  } as never);
  try {
    return [await work(), statements];
  } finally {
    spy.mockRestore();
  }
}
