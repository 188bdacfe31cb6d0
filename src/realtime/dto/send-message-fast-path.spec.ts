import fc from 'fast-check';
import { AppValidationPipe } from '../../common/validation/app-validation.pipe';
import { readEverydaySend } from './send-message-fast-path';
import { SendMessagePayload } from './socket-payloads.dto';

const pipe = new AppValidationPipe();

async function throughPipe(payload: unknown): Promise<SendMessagePayload | null> {
  try {
    return (await pipe.transform(payload, {
      type: 'body',
      metatype: SendMessagePayload,
    })) as SendMessagePayload;
  } catch {
    return null;
  }
}

const chatId = fc.oneof(
  fc.integer({ min: 1, max: 2_147_483_647 }),
  fc.constantFrom(0, -1, 2_147_483_648, 1.5, Number.NaN, Infinity, '1', null, true),
);
const body = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom(
    '',
    '   ',
    ' helloo ',
    'a\0b',
    '\u200b',
    '\u202eRTL',
    '\ud800',
    'x'.repeat(4000),
    'x'.repeat(4001),
    ` ${'y'.repeat(4000)} `,
    '😀'.repeat(4000),
    '😀'.repeat(4001),
  ),
  fc.constantFrom(1, null, ['a'], { a: 1 }),
);
const clientMessageId = fc.oneof(
  fc.stringMatching(/^[\w.:-]{1,64}$/),
  fc.constantFrom('', 'x'.repeat(65), 'a b', 'é', 7, null),
);
const payload = fc.oneof(
  fc.record({ chatId, body, clientMessageId }),
  fc.record({ chatId, body, clientMessageId }, { requiredKeys: [] }),
  fc.record({ chatId, body, clientMessageId, extra: fc.anything() }),
  fc.anything(),
);

describe('the message:send fast path', () => {
  it('accepts only what the validation pipe accepts, and yields what it yields', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (candidate) => {
        const fast = readEverydaySend(candidate);
        if (fast === null) return;
        accepted += 1;
        const slow = await throughPipe(candidate);
        expect(slow).not.toBeNull();
        expect(fast).toBeInstanceOf(SendMessagePayload);
        expect({ ...fast }).toEqual({ ...slow });
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('takes the everyday payload', () => {
    expect(readEverydaySend({ chatId: 7, body: '  helloo ', clientMessageId: 'c-1' })).toEqual(
      Object.assign(new SendMessagePayload(), {
        chatId: 7,
        body: 'helloo',
        clientMessageId: 'c-1',
      }),
    );
  });
});
