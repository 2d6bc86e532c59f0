import { convertProxyResult, type ProxyResponseContext } from './proxy-response';

const textClient: ProxyResponseContext = { accept: 'application/json', binaryMediaTypes: [] };

function problemOf(result: unknown): string | undefined {
  const check = convertProxyResult(result, textClient);
  return check.ok ? undefined : check.problem;
}

describe('convertProxyResult', () => {
  it('accepts a minimal response', () => {
    expect(convertProxyResult({ statusCode: 204 }, textClient)).toEqual({
      ok: true,
      value: { statusCode: 204, headers: {}, body: '' },
    });
  });

  // Each of these is what API Gateway answers (LocalStack's parity tests, recorded against AWS).
  it('defaults statusCode to 200 and takes it as a numeric string, as API Gateway does', () => {
    expect(convertProxyResult({}, textClient)).toEqual({
      ok: true,
      value: { statusCode: 200, headers: {}, body: '' },
    });
    expect(convertProxyResult({ headers: { 'x-a': 'v' }, body: null }, textClient)).toEqual({
      ok: true,
      value: { statusCode: 200, headers: { 'x-a': 'v' }, body: '' },
    });
    expect(convertProxyResult({ statusCode: '201', headers: null }, textClient)).toMatchObject({
      ok: true,
      value: { statusCode: 201 },
    });
  });

  it('merges headers with multiValueHeaders, multi-values winning for a name in both', () => {
    const check = convertProxyResult(
      {
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
      },
      textClient,
    );
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

  describe('a base64 body', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const result = { statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true };

    it('is decoded when the first Accept type is a binary media type (wildcards allowed)', () => {
      for (const [accept, types] of [
        ['image/png', ['image/png']],
        ['image/png, */*;q=0.8', ['image/*']],
        ['text/html', ['*/*']],
        [undefined, ['*/*']],
      ] as const) {
        const check = convertProxyResult(result, { accept, binaryMediaTypes: [...types] });
        expect(check.ok && check.value.body).toEqual(bytes);
      }
    });

    it('goes out as the base64 text otherwise, as API Gateway sends it', () => {
      for (const [accept, types] of [
        ['image/png', []],
        [undefined, ['image/png']],
        ['*/*', ['image/png']],
        ['text/html, image/png', ['image/png']],
      ] as const) {
        const check = convertProxyResult(result, { accept, binaryMediaTypes: [...types] });
        expect(check.ok && check.value.body).toBe(bytes.toString('base64'));
      }
    });
  });

  it('rejects what is not a Lambda proxy response, saying why', () => {
    expect(problemOf('hello')).toMatch(/string, not an object/);
    expect(problemOf(null)).toMatch(/null/);
    expect(problemOf([1])).toMatch(/array/);
    expect(problemOf({ statusCode: 200, wrongValue: 'value' })).toMatch(
      /unexpected field "wrongValue"/,
    );
    expect(problemOf({ errorMessage: 'boom', errorType: 'Error' })).toMatch(/unexpected field/);
    expect(problemOf({ statusCode: 'test' })).toMatch(/statusCode/);
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

  it('refuses headers that would split the response or that Node cannot write', () => {
    expect(problemOf({ headers: { 'X-Evil': 'a\r\nSet-Cookie: admin=1' } })).toMatch(
      /X-Evil has a value with characters/,
    );
    expect(problemOf({ multiValueHeaders: { 'X-Evil': ['ok', 'b\nc'] } })).toMatch(/X-Evil/);
    expect(problemOf({ headers: { 'Bad Name': 'v' } })).toMatch(/not a valid token/);
    expect(problemOf({ headers: { 'X-Price': '5 €' } })).toMatch(/X-Price/);
    expect(problemOf({ headers: { 'X-Latin1': 'café' } })).toBeUndefined();
  });
});
