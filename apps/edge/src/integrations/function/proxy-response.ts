/** What a Lambda proxy integration must return; anything else is a malformed response (502). */
export interface ProxyResultV1 {
  statusCode: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface ConvertedProxyResult {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer | string;
}

export type ProxyResultCheck =
  { ok: true; value: ConvertedProxyResult } | { ok: false; problem: string };

type HeaderValue = string | number | boolean;

/** AWS accepts numbers and booleans as header values (`'Access-Control-Allow-Credentials': true`). */
function isHeaderValue(value: unknown): value is HeaderValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Checks a function's result against the Lambda proxy response format and converts it:
 * `headers` and `multiValueHeaders` merge (multi-values win for a name in both, as AWS merges),
 * a base64 body is decoded, a missing body is empty.
 */
export function convertProxyResult(result: unknown): ProxyResultCheck {
  if (!isPlainObject(result)) {
    return {
      ok: false,
      problem: `result is ${result === null ? 'null' : Array.isArray(result) ? 'an array' : typeof result}, not an object`,
    };
  }
  const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return {
      ok: false,
      problem: `statusCode must be an integer from 100 to 599, got ${JSON.stringify(statusCode)}`,
    };
  }
  if (headers !== undefined && headers !== null) {
    if (!isPlainObject(headers))
      return { ok: false, problem: 'headers must be an object of strings' };
    for (const [name, value] of Object.entries(headers)) {
      if (!isHeaderValue(value)) return { ok: false, problem: `headers.${name} must be a string` };
    }
  }
  if (multiValueHeaders !== undefined && multiValueHeaders !== null) {
    if (!isPlainObject(multiValueHeaders)) {
      return { ok: false, problem: 'multiValueHeaders must be an object of string arrays' };
    }
    for (const [name, values] of Object.entries(multiValueHeaders)) {
      if (!Array.isArray(values) || !values.every(isHeaderValue)) {
        return { ok: false, problem: `multiValueHeaders.${name} must be an array of strings` };
      }
    }
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return {
      ok: false,
      problem: `body must be a string, got ${Array.isArray(body) ? 'array' : typeof body}`,
    };
  }
  if (
    isBase64Encoded !== undefined &&
    isBase64Encoded !== null &&
    typeof isBase64Encoded !== 'boolean'
  ) {
    return {
      ok: false,
      problem: `isBase64Encoded must be a boolean, got ${typeof isBase64Encoded}`,
    };
  }

  const merged: Record<string, string | string[]> = {};
  const singles = (headers ?? {}) as Record<string, HeaderValue>;
  const multis = (multiValueHeaders ?? {}) as Record<string, HeaderValue[]>;
  const multiNames = new Set(Object.keys(multis).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(singles)) {
    if (!multiNames.has(name.toLowerCase())) merged[name] = String(value);
  }
  for (const [name, values] of Object.entries(multis)) {
    if (values.length === 0) continue;
    merged[name] = values.length === 1 ? String(values[0]) : values.map(String);
  }
  const text = body ?? '';
  return {
    ok: true,
    value: {
      statusCode,
      headers: merged,
      body: isBase64Encoded === true ? Buffer.from(text, 'base64') : text,
    },
  };
}
