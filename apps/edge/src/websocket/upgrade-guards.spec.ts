import { originAllowed } from './upgrade-guards';

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
