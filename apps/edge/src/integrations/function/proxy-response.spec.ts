import { convertProxyResult } from './proxy-response';

function problemOf(result: unknown): string | undefined {
  const check = convertProxyResult(result);
  return check.ok ? undefined : check.problem;
}

describe('convertProxyResult', () => {
  it('accepts a minimal response', () => {
    expect(convertProxyResult({ statusCode: 204 })).toEqual({
      ok: true,
      value: { statusCode: 204, headers: {}, body: '' },
    });
  });

  it('merges headers with multiValueHeaders, multi-values winning for a name in both', () => {
    const check = convertProxyResult({
      statusCode: 200,
      headers: {
        'Content-Type': 'text/plain',
        'X-One': 'a',
        'Set-Cookie': 'ignored=1',
        'X-Flag': true,
        'X-Num': 5,
      },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'], 'X-Single': ['only'] },
      body: 'hello',
    });
    expect(check).toEqual({
      ok: true,
      value: {
        statusCode: 200,
        headers: {
          'Content-Type': 'text/plain',
          'X-One': 'a',
          'X-Flag': 'true',
          'X-Num': '5',
          'set-cookie': ['a=1', 'b=2'],
          'X-Single': 'only',
        },
        body: 'hello',
      },
    });
  });

  it('decodes a base64 body', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const check = convertProxyResult({
      statusCode: 200,
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });
    expect(check.ok && check.value.body).toEqual(bytes);
  });

  it('rejects what is not a Lambda proxy response, saying why', () => {
    expect(problemOf('hello')).toMatch(/string, not an object/);
    expect(problemOf(null)).toMatch(/null/);
    expect(problemOf([1])).toMatch(/array/);
    expect(problemOf({ body: 'x' })).toMatch(/statusCode/);
    expect(problemOf({ statusCode: '200' })).toMatch(/statusCode/);
    expect(problemOf({ statusCode: 200.5 })).toMatch(/statusCode/);
    expect(problemOf({ statusCode: 99 })).toMatch(/statusCode/);
    expect(problemOf({ statusCode: 600 })).toMatch(/statusCode/);
    expect(problemOf({ statusCode: 200, body: { a: 1 } })).toMatch(/body must be a string/);
    expect(problemOf({ statusCode: 200, headers: 'x' })).toMatch(/headers/);
    expect(problemOf({ statusCode: 200, headers: { a: { b: 1 } } })).toMatch(/headers\.a/);
    expect(problemOf({ statusCode: 200, multiValueHeaders: { a: 'x' } })).toMatch(
      /multiValueHeaders\.a/,
    );
    expect(problemOf({ statusCode: 200, multiValueHeaders: { a: [{}] } })).toMatch(
      /multiValueHeaders\.a/,
    );
    expect(problemOf({ statusCode: 200, isBase64Encoded: 'yes' })).toMatch(/isBase64Encoded/);
  });
});
