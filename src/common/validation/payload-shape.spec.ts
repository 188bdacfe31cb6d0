import { MAX_PAYLOAD_DEPTH, payloadShapeProblem } from './payload-shape';

function nested(depth: number, wrap: (inner: unknown) => unknown): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = wrap(value);
  return value;
}

describe('payloadShapeProblem', () => {
  it('accepts ordinary bodies', () => {
    expect(payloadShapeProblem({ chatId: 1, body: 'hi', memberIds: [1, 2, 3] })).toBeNull();
    expect(payloadShapeProblem(null)).toBeNull();
    expect(payloadShapeProblem('text')).toBeNull();
    expect(payloadShapeProblem(nested(MAX_PAYLOAD_DEPTH, (inner) => ({ inner })))).toBeNull();
  });

  it('refuses nesting past the limit, however deep, without recursion', () => {
    expect(payloadShapeProblem(nested(MAX_PAYLOAD_DEPTH + 1, (inner) => ({ inner })))).toContain(
      'nested deeper',
    );
    expect(payloadShapeProblem(nested(100_000, (inner) => [inner]))).toContain('is nested deeper');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s anywhere', (key) => {
    expect(payloadShapeProblem(JSON.parse(`{"a":{"${key}":{"x":1}}}`))).toBe(
      `property ${key} should not exist`,
    );
  });
});
