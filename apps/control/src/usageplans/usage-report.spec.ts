import type { UsagePlan } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { remainingOf, reportRange, usageRows } from './usage-report';

const plan = (quota?: UsagePlan['quota'], quotaStartedAt?: number): UsagePlan => ({
  id: 'p1',
  name: 'plan',
  apiStages: [],
  tags: {},
  ...(quota ? { quota } : {}),
  ...(quotaStartedAt === undefined ? {} : { quotaStartedAt }),
});

describe('reportRange', () => {
  it('reads a WEEK period from its Sunday, and reports only startDate to endDate', () => {
    // 2026-03-04 is a Wednesday: its week started on Sunday 2026-03-01.
    const range = reportRange('2026-03-04', '2026-03-09', plan({ limit: 10, period: 'WEEK' }));
    expect(range.days).toEqual([
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
    ]);
    expect(range.leadIn).toBe(3);
  });

  it('reads only the range for a plan without a quota', () => {
    const range = reportRange('2026-03-04', '2026-03-04', plan());
    expect(range).toEqual({
      startDate: '2026-03-04',
      endDate: '2026-03-04',
      days: ['2026-03-04'],
      leadIn: 0,
    });
  });

  it('takes 90 days and refuses 91, a reversed range, missing and impossible dates', () => {
    const month = plan({ limit: 10, period: 'MONTH' });
    expect(reportRange('2026-01-31', '2026-04-30', month).days).toHaveLength(90 + 30);
    const refusals: [string | undefined, string | undefined, RegExp][] = [
      ['2026-01-01', '2026-04-01', /cannot exceed 90 days/],
      ['2026-03-02', '2026-03-01', /cannot be after the end date/],
      [undefined, '2026-03-01', /startDate is missing/],
      ['2026-03-01', '', /endDate is missing/],
      ['2026-02-30', '2026-03-01', /Invalid startDate: 2026-02-30/],
      ['2026-3-1', '2026-03-01', /Invalid startDate/],
      ['2026-03-01', 'tomorrow', /Invalid endDate/],
    ];
    for (const [start, end, message] of refusals) {
      expect(() => reportRange(start, end, month)).toThrow(message);
      expect(() => reportRange(start, end, month)).toThrow(AwsBadRequestException);
    }
  });
});

describe('usageRows', () => {
  it('carries what the quota had left over unrecorded days, and restarts it each period', () => {
    const daily = plan({ limit: 100, period: 'WEEK' });
    // Saturday 2026-03-07 ends a week; Sunday 2026-03-08 starts the next.
    const range = reportRange('2026-03-03', '2026-03-09', daily);
    const records = range.days.map((day) =>
      day === '2026-03-02'
        ? { used: 30, remaining: 70 }
        : day === '2026-03-05'
          ? { used: 5, remaining: 65 }
          : null,
    );
    expect(usageRows(range, records, daily)).toEqual([
      [0, 70], // 03-03: carried from 03-02, before the range
      [0, 70],
      [5, 65],
      [0, 65],
      [0, 65],
      [0, 100], // 03-08: a new week, its whole limit
      [0, 100],
    ]);
  });

  it('takes the offset off the initial period only, and reads 0 without a quota', () => {
    const startedAt = Date.parse('2026-03-10T12:00:00Z');
    const withOffset = plan({ limit: 50, offset: 20, period: 'DAY' }, startedAt);
    const range = reportRange('2026-03-09', '2026-03-11', withOffset);
    expect(usageRows(range, [null, null, null], withOffset)).toEqual([
      [0, 50],
      [0, 30],
      [0, 50],
    ]);
    const none = plan();
    const one = reportRange('2026-03-09', '2026-03-10', none);
    expect(usageRows(one, [{ used: 4, remaining: 6 }, null], none)).toEqual([
      [4, 6],
      [0, 0],
    ]);
  });
});

describe('remainingOf', () => {
  it('takes replace /remaining with a whole number', () => {
    expect(remainingOf([{ op: 'replace', path: '/remaining', value: '250' }])).toBe(250);
    expect(remainingOf([{ op: 'replace', path: '/remaining', value: '0' }])).toBe(0);
  });

  it('refuses other paths and ops, missing and bad values, and no operation', () => {
    const refusals: [Parameters<typeof remainingOf>[0], RegExp][] = [
      [[], /expected 'replace \/remaining'/],
      [[{ op: 'replace', path: '/used', value: '1' }], /Invalid patch path '\/used'/],
      [[{ op: 'add', path: '/remaining', value: '1' }], /add/],
      [[{ op: 'move', path: '/remaining', value: '1' }], /Invalid patch operation/],
      [[{ op: 'replace', path: '/remaining' }], /required/],
      [[{ op: 'replace', path: '/remaining', value: '-1' }], /whole number/],
      [[{ op: 'replace', path: '/remaining', value: '1.5' }], /whole number/],
      [[{ op: 'replace', path: '/remaining', value: 'lots' }], /whole number/],
      [[{ op: 'replace', path: '/remaining', value: '1e30' }], /whole number/],
    ];
    for (const [ops, message] of refusals) {
      expect(() => remainingOf(ops)).toThrow(message);
    }
  });
});
