import { ValidationFailedError } from '../errors/common-error';
import { MAX_INT_ID, ParseIdPipe } from './parse-id.pipe';

describe('ParseIdPipe', () => {
  const pipe = new ParseIdPipe();
  const parse = (value: unknown) => pipe.transform(value, { type: 'param', data: 'userId' });

  it.each([
    ['1', 1],
    ['42', 42],
    [String(MAX_INT_ID), MAX_INT_ID],
  ])('accepts %s', (raw, id) => {
    expect(parse(raw)).toBe(id);
  });

  it.each([
    'abc',
    '-1',
    '0',
    '1e3',
    '0x10',
    '1.5',
    '007',
    ' 1',
    '',
    String(MAX_INT_ID + 1),
    '99999999999999999999',
  ])('refuses %p', (raw) => {
    expect(() => parse(raw)).toThrow(ValidationFailedError);
    expect(() => parse(raw)).toThrow('userId must be a positive integer');
  });

  it('refuses values that are not strings', () => {
    expect(() => parse(5)).toThrow(ValidationFailedError);
    expect(() => parse(undefined)).toThrow(ValidationFailedError);
  });
});
