import { quotaWindow, utcDay, utcDayEnd } from './usage-plan';

describe('quotaWindow', () => {
  const at = Date.UTC(2026, 11, 9, 15, 30); // Wednesday 9 December 2026

  it('counts DAY, WEEK (from Sunday) and MONTH periods in UTC', () => {
    expect(quotaWindow({ limit: 10, period: 'DAY' }, undefined, at)).toEqual({
      id: '2026-12-09',
      start: Date.UTC(2026, 11, 9),
      endsAt: Date.UTC(2026, 11, 10),
      limit: 10,
    });
    expect(quotaWindow({ limit: 10, period: 'WEEK' }, undefined, at)).toMatchObject({
      id: '2026-12-06',
      endsAt: Date.UTC(2026, 11, 13),
    });
    expect(quotaWindow({ limit: 10, period: 'MONTH' }, undefined, at)).toMatchObject({
      id: '2026-12-01',
      endsAt: Date.UTC(2027, 0, 1),
    });
    // A Sunday starts its own week; the last instant of a month is still in it.
    expect(quotaWindow({ limit: 1, period: 'WEEK' }, undefined, Date.UTC(2026, 11, 13)).id).toBe(
      '2026-12-13',
    );
    expect(quotaWindow({ limit: 1, period: 'MONTH' }, undefined, Date.UTC(2027, 0, 1) - 1).id).toBe(
      '2026-12-01',
    );
  });

  it('takes the offset off the initial period only, never below 0', () => {
    const quota = { limit: 100, period: 'DAY' as const, offset: 30 };
    const started = Date.UTC(2026, 11, 9, 8);
    expect(quotaWindow(quota, started, at).limit).toBe(70);
    expect(quotaWindow(quota, started, Date.UTC(2026, 11, 10)).limit).toBe(100);
    expect(quotaWindow(quota, undefined, at).limit).toBe(100);
    expect(quotaWindow({ ...quota, offset: 500 }, started, at).limit).toBe(0);
  });

  it('names days and their ends in UTC', () => {
    expect(utcDay(at)).toBe('2026-12-09');
    expect(utcDayEnd(at)).toBe(Date.UTC(2026, 11, 10));
    expect(utcDayEnd(Date.UTC(2026, 11, 10))).toBe(Date.UTC(2026, 11, 11));
  });
});
