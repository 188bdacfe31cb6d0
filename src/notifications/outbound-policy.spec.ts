import { OutboundPolicy } from './outbound-policy';

describe('OutboundPolicy', () => {
  const strict = new OutboundPolicy([]);

  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
  ])('refuses the internal address %s', (address) => {
    expect(strict.allows(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111'])(
    'allows the public address %s',
    (address) => {
      expect(strict.allows(address)).toBe(true);
    },
  );

  it('allows exactly the internal addresses and ranges the operator listed', () => {
    const policy = new OutboundPolicy(['127.0.0.1', '10.20.0.0/16', 'fd00::/8']);
    expect(policy.allows('127.0.0.1')).toBe(true);
    expect(policy.allows('127.0.0.2')).toBe(false);
    expect(policy.allows('10.20.9.9')).toBe(true);
    expect(policy.allows('10.21.0.1')).toBe(false);
    expect(policy.allows('fd00::5')).toBe(true);
    expect(policy.allows('fc00::5')).toBe(false);
  });

  it.each([
    ['not a url', 'it is not a URL'],
    ['ftp://example.com/x', 'only http: and https: URLs'],
    ['https://user:secret@example.com/x', 'credentials in the URL'],
    ['http://127.0.0.1:8080/x', '127.0.0.1 is a private, loopback or otherwise internal address'],
    ['http://[::1]/x', '::1 is a private'],
    // The URL parser reads these as 127.0.0.1 too.
    ['http://2130706433/x', '127.0.0.1 is a private'],
    ['http://0x7f.1/x', '127.0.0.1 is a private'],
    ['http://localhost/x', 'is a private'],
    ['http://nothing-here.invalid/x', 'does not resolve'],
  ])('refuses %s', async (url, reason) => {
    expect(await strict.refusal(url)).toContain(reason);
  });

  it('accepts a public address', async () => {
    expect(await strict.refusal('https://93.184.216.34/hooks')).toBeNull();
  });
});
