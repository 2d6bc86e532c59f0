import type { ErrorObject } from 'ajv';

/**
 * One ajv error as a sentence that names the field the way people write it
 * (`restApis[0].stages[1].name must match pattern …`). Request bodies and the config file
 * both report their first error through this.
 */
export function describeAjvError(err: ErrorObject | undefined, root: string): string {
  if (!err) return `${root} is invalid`;
  const at = fieldPath(err.instancePath);
  const member = (name: string): string => (at ? `${at}.${name}` : name);
  if (err.keyword === 'required') {
    return `${member((err.params as { missingProperty: string }).missingProperty)} is required`;
  }
  if (err.keyword === 'additionalProperties') {
    const extra = (err.params as { additionalProperty: string }).additionalProperty;
    return `${member(extra)} is not a known field`;
  }
  if (err.keyword === 'enum') {
    const allowed = (err.params as { allowedValues: unknown[] }).allowedValues;
    return `${at || root} must be one of ${allowed.map(String).join(', ')}`;
  }
  return `${at || root} ${err.message ?? 'is invalid'}`;
}

/** `/restApis/0/stages/1/name` → `restApis[0].stages[1].name`. */
function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^[0-9]+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}
