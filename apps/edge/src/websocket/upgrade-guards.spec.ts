import { ConnectionRateLimiter, originAllowed } from './upgrade-guards';

describe('originAllowed', () => {
  it('allows anything with an empty list, and requests without Origin', () => {
    expect(originAllowed([], 'https://evil.example')).toBe(true);
    expect(originAllowed(['https://good.example'], undefined)).toBe(true);
  });

  it('matches exactly, case-insensitively, ignoring a trailing slash; * allows all', () => {
    const list = ['https://Good.example', 'http://localhost:3000/'];
    expect(originAllowed(list, 'https://good.example')).toBe(true);
    expect(originAllowed(list, 'http://localhost:3000')).toBe(true);
    expect(originAllowed(list, 'https://good.example.evil.example')).toBe(false);
    expect(originAllowed(list, 'http://good.example')).toBe(false);
    expect(originAllowed(list, 'null')).toBe(false);
    expect(originAllowed(['*'], 'https://any.example')).toBe(true);
  });
});

describe('ConnectionRateLimiter', () => {
  it('admits a second of burst, then refills at the rate, per API', () => {
    let now = 0;
    const limiter = new ConnectionRateLimiter(() => now);
    const admitted = (api: string, n: number): number =>
      Array.from({ length: n }, () => limiter.take(api, 5)).filter(Boolean).length;
    expect(admitted('a', 10)).toBe(5);
    expect(admitted('b', 10)).toBe(5);
    now = 400; // 2 tokens back
    expect(admitted('a', 10)).toBe(2);
    now = 10_000; // never more than one second's worth
    expect(admitted('a', 10)).toBe(5);
    expect(limiter.take('c', 0)).toBe(true);
  });
});
