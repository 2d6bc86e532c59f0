import { formatRequestTime } from './request-time';

describe('formatRequestTime', () => {
  it('writes CLF time in UTC, as $context.requestTime', () => {
    expect(formatRequestTime(Date.UTC(2026, 10, 22, 8, 5, 9, 999))).toBe(
      '22/Nov/2026:08:05:09 +0000',
    );
    expect(formatRequestTime(Date.UTC(2027, 0, 1, 0, 0, 0))).toBe('01/Jan/2027:00:00:00 +0000');
  });

  it('gives each second its own text when calls alternate between seconds', () => {
    const a = Date.UTC(2026, 10, 22, 23, 59, 59, 10);
    const b = a + 990; // the next day
    expect(formatRequestTime(a)).toBe('22/Nov/2026:23:59:59 +0000');
    expect(formatRequestTime(a + 500)).toBe('22/Nov/2026:23:59:59 +0000');
    expect(formatRequestTime(b)).toBe('23/Nov/2026:00:00:00 +0000');
    expect(formatRequestTime(a)).toBe('22/Nov/2026:23:59:59 +0000');
  });
});
