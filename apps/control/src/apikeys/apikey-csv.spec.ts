import { AwsBadRequestException } from '../common/aws-errors';
import { parseApiKeyCsv } from './apikey-csv';

const KEY = 'k'.repeat(30);
const csv = (text: string) => parseApiKeyCsv(Buffer.from(text));

describe('parseApiKeyCsv', () => {
  it('reads Name and Key in any case and order, with the optional columns', () => {
    const parsed = csv(
      `\uFEFFenabled,KEY,Description,name,Other\nFALSE,${KEY},"a, b",first,x\n\ntrue,${KEY}2,,second,y\n`,
    );
    expect(parsed).toEqual({
      keys: [
        { value: KEY, name: 'first', description: 'a, b', enabled: false },
        { value: `${KEY}2`, name: 'second', enabled: true },
      ],
      warnings: [],
    });
  });

  it('defaults Enabled to true and leaves an empty Name to the service', () => {
    expect(csv(`Name,Key\n,${KEY}\n`).keys).toEqual([
      { value: KEY, name: undefined, enabled: true },
    ]);
  });

  it('warns for each row it cannot import, naming the line', () => {
    const long = 'n'.repeat(1025);
    const parsed = csv(
      `Name,Key,Enabled,UsagePlanIds\n` +
        `a,short,,\n` +
        `${long},${KEY},,\n` +
        `b,${KEY},maybe,\n` +
        `c,${KEY},true,"p1,p2"\n`,
    );
    expect(parsed.warnings).toEqual([
      'Line 2: Key must be 30 to 128 characters',
      'Line 3: Name is longer than 1024 characters',
      'Line 4: Enabled must be true or false',
      'Line 5: UsagePlanIds are not applied (usage plans are not supported yet)',
    ]);
    // A plan it cannot apply does not keep the key out.
    expect(parsed.keys.map((k) => k.name)).toEqual(['c']);
  });

  it('refuses a file without the Name and Key columns, an empty file and broken CSV', () => {
    for (const text of ['Key\nabc\n', '', `Name,Key\n"open,${KEY}\n`]) {
      expect(() => csv(text)).toThrow(AwsBadRequestException);
    }
  });
});
