import { API_KEY_MAX_LENGTH, API_KEY_MIN_LENGTH, type NewApiKey } from '@portico/contracts';
import { parse } from 'csv-parse/sync';
import { AwsBadRequestException } from '../common/aws-errors';

/** A `Name` is at most this long (AWS's limit). */
const NAME_MAX = 1024;

export interface ParsedKeys {
  keys: Array<NewApiKey & { value: string }>;
  warnings: string[];
}

/**
 * ImportApiKeys' CSV file as API Gateway reads it: a header row with `Name` and `Key` (any case,
 * any order), optionally `Description`, `Enabled` (default true) and `UsagePlanIds`; other
 * columns are ignored. A row that cannot be imported is a warning (an error with
 * `failonwarnings`). Usage plans arrive with the ratelimit service: `UsagePlanIds` are reported
 * as a warning and not applied.
 */
export function parseApiKeyCsv(body: Buffer): ParsedKeys {
  let rows: string[][];
  try {
    rows = parse(body, { skip_empty_lines: true, trim: true, relax_column_count: true, bom: true });
  } catch (err) {
    throw new AwsBadRequestException(`Invalid CSV: ${(err as Error).message}`);
  }
  const [header, ...records] = rows;
  if (!header) throw new AwsBadRequestException('The API key file is empty');
  const column = (name: string) => header.findIndex((h) => h.toLowerCase() === name);
  const at = {
    name: column('name'),
    key: column('key'),
    description: column('description'),
    enabled: column('enabled'),
    usagePlanIds: column('usageplanids'),
  };
  if (at.name < 0 || at.key < 0) {
    throw new AwsBadRequestException('The API key file must have the columns Name and Key');
  }
  const keys: ParsedKeys['keys'] = [];
  const warnings: string[] = [];
  records.forEach((record, index) => {
    const line = index + 2;
    const cell = (i: number) => (i < 0 ? '' : (record[i] ?? ''));
    const name = cell(at.name);
    const value = cell(at.key);
    const enabled = cell(at.enabled).toLowerCase();
    if (value.length < API_KEY_MIN_LENGTH || value.length > API_KEY_MAX_LENGTH) {
      return warnings.push(
        `Line ${line}: Key must be ${API_KEY_MIN_LENGTH} to ${API_KEY_MAX_LENGTH} characters`,
      );
    }
    if (name.length > NAME_MAX) {
      return warnings.push(`Line ${line}: Name is longer than ${NAME_MAX} characters`);
    }
    if (enabled !== '' && enabled !== 'true' && enabled !== 'false') {
      return warnings.push(`Line ${line}: Enabled must be true or false`);
    }
    if (cell(at.usagePlanIds) !== '') {
      warnings.push(
        `Line ${line}: UsagePlanIds are not applied (usage plans are not supported yet)`,
      );
    }
    const description = cell(at.description);
    keys.push({
      value,
      name: name === '' ? undefined : name,
      ...(description === '' ? {} : { description }),
      enabled: enabled !== 'false',
    });
    return undefined;
  });
  return { keys, warnings };
}
