import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { deriveSigningKey, NodeSha256, type SignedRequest, verifySigV4 } from './sigv4';

const NOW = new Date('2026-12-07T12:00:00Z');
const KEYS: Record<string, string> = { AKIDEXAMPLE: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/** Signs as an AWS SDK client does, and returns the request as the server would see it. */
async function signed(
  opts: {
    method?: string;
    path?: string;
    query?: Record<string, string | string[]>;
    rawQuery?: string;
    body?: string;
    headers?: Record<string, string>;
    secret?: string;
    region?: string;
    service?: string;
    at?: Date;
  } = {},
): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: opts.secret ?? KEYS.AKIDEXAMPLE! },
    region: opts.region ?? 'us-east-1',
    service: opts.service ?? 'apigateway',
    // The SDK's own signer; the real SDK clients (with their own SHA-256) are in control's suites.
    sha256: NodeSha256,
  });
  const body = opts.body;
  const request = await signer.sign(
    {
      method: opts.method ?? 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8081,
      path: opts.path ?? '/apikeys',
      query: opts.query ?? {},
      headers: {
        host: '127.0.0.1:8081',
        'content-type': 'application/json',
        ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        ...opts.headers,
      },
      body,
    },
    { signingDate: opts.at ?? NOW },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return {
    method: request.method,
    path: request.path,
    rawQuery:
      opts.rawQuery ??
      Object.entries(request.query ?? {})
        .flatMap(([k, v]) =>
          (Array.isArray(v) ? v : [v]).map(
            (x) => `${encodeURIComponent(k)}=${encodeURIComponent(String(x))}`,
          ),
        )
        .join('&'),
    headers,
    body: body === undefined ? undefined : Buffer.from(body),
  };
}

const verify = (req: SignedRequest, now = NOW) =>
  verifySigV4(req, { region: 'us-east-1', service: 'apigateway', secretOf: (id) => KEYS[id], now });

describe('verifySigV4', () => {
  it('accepts what the AWS SDK signer signs: body, repeated and encoded query values, encoded path', async () => {
    const req = await signed({
      path: '/restapis/a%20b/stages/prod',
      query: { mode: 'import', tag: ['x y', 'z+1'], empty: '' },
      body: '{"name":"k"}',
    });
    expect(await verify(req)).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
    expect(await verify(await signed({ method: 'GET' }))).toEqual({
      ok: true,
      accessKeyId: 'AKIDEXAMPLE',
    });
  });

  it('accepts a signature over host and x-amz-date only, as curl --aws-sigv4 makes it', async () => {
    // Captured from curl 7.88 (`--aws-sigv4 "aws:amz:us-east-1:apigateway" --user local:local`).
    const req: SignedRequest = {
      method: 'GET',
      path: '/restapis',
      rawQuery: '',
      headers: {
        host: '127.0.0.1:18282',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20261207/us-east-1/apigateway/aws4_request, ' +
          'SignedHeaders=host;x-amz-date, ' +
          'Signature=0df19b905530b792716a00aa324f9a5698fb662430eb67842f51cfca18ecf676',
        'x-amz-date': '20261207T214128Z',
        'user-agent': 'curl/7.88.1',
        accept: '*/*',
      },
    };
    expect(
      await verifySigV4(req, {
        region: 'us-east-1',
        service: 'apigateway',
        secretOf: (id) => (id === 'local' ? 'local' : undefined),
        now: new Date('2026-12-07T21:41:30Z'),
      }),
    ).toEqual({ ok: true, accessKeyId: 'local' });
  });

  it('refuses an X-Amz-Date that is not a date', async () => {
    const req = await signed();
    req.headers['x-amz-date'] = '20261399T256199Z';
    req.headers.authorization = String(req.headers.authorization).replace(
      '/20261207/',
      '/20261399/',
    );
    expect(await verify(req)).toMatchObject({ type: 'IncompleteSignatureException', status: 400 });
  });

  it('checks a body through the signature itself when no payload hash is declared (as curl signs)', async () => {
    const signer = new SignatureV4({
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: KEYS.AKIDEXAMPLE! },
      region: 'us-east-1',
      service: 'apigateway',
      sha256: NodeSha256,
      applyChecksum: false,
    });
    const body = '{"name":"k"}';
    const request = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/apikeys',
        query: {},
        headers: { host: '127.0.0.1:8081' },
        body,
      },
      { signingDate: NOW },
    );
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]),
    );
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    const req = {
      method: 'POST',
      path: '/apikeys',
      rawQuery: '',
      headers,
      body: Buffer.from(body),
    };
    expect(await verify(req)).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
    expect(await verify({ ...req, body: Buffer.from('{"name":"x"}') })).toMatchObject({
      type: 'InvalidSignatureException',
      message: expect.stringMatching(/^The request signature we calculated/),
    });
  });

  it('ignores headers the client did not sign', async () => {
    const req = await signed({ body: '{}' });
    req.headers['x-forwarded-for'] = '10.0.0.1';
    expect((await verify(req)).ok).toBe(true);
  });

  it('answers Missing Authentication Token without an Authorization header', async () => {
    const req = await signed();
    delete req.headers.authorization;
    expect(await verify(req)).toMatchObject({
      type: 'MissingAuthenticationTokenException',
      status: 403,
      message: 'Missing Authentication Token',
    });
  });

  it.each([
    [
      'another algorithm',
      'AWS4-HMAC-SHA512 Credential=AKIDEXAMPLE/20261207/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=ab',
    ],
    [
      'no signature',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/apigateway/aws4_request, SignedHeaders=host',
    ],
    [
      'a short credential',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207, SignedHeaders=host;x-amz-date, Signature=ab',
    ],
    [
      'upper-case signed headers',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/apigateway/aws4_request, SignedHeaders=Host;x-amz-date, Signature=ab',
    ],
    [
      'host not signed',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/apigateway/aws4_request, SignedHeaders=x-amz-date, Signature=ab',
    ],
  ])('answers IncompleteSignatureException (400) for %s', async (_what, authorization) => {
    const req = await signed();
    req.headers.authorization = authorization;
    expect(await verify(req)).toMatchObject({ type: 'IncompleteSignatureException', status: 400 });
  });

  it('answers UnrecognizedClientException for an access key it does not know', async () => {
    const req = await signed();
    req.headers.authorization = String(req.headers.authorization).replace(
      'AKIDEXAMPLE',
      'AKIDOTHER',
    );
    expect(await verify(req)).toMatchObject({
      type: 'UnrecognizedClientException',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
  });

  it('answers InvalidSignatureException for a wrong secret and for anything tampered with', async () => {
    const base = { body: '{"name":"k"}', query: { a: '1' } };
    const cases: Array<[string, (r: SignedRequest) => void]> = [
      ['the body', (r) => (r.body = Buffer.from('{"name":"x"}'))],
      ['the path', (r) => (r.path = '/apikeys/other')],
      ['the query', (r) => (r.rawQuery = 'a=2')],
      ['an added query parameter', (r) => (r.rawQuery = 'a=1&b=2')],
      ['the method', (r) => (r.method = 'PUT')],
      ['a signed header', (r) => (r.headers['content-type'] = 'text/plain')],
      ['the host', (r) => (r.headers.host = 'evil.example:8081')],
      [
        'the signature',
        (r) =>
          (r.headers.authorization = String(r.headers.authorization).replace(/.$/, (c) =>
            c === '0' ? '1' : '0',
          )),
      ],
    ];
    for (const [what, tamper] of cases) {
      const req = await signed(base);
      tamper(req);
      expect({ what, result: await verify(req) }).toMatchObject({
        what,
        result: { type: 'InvalidSignatureException', status: 403 },
      });
    }
    expect(await verify(await signed({ ...base, secret: 'not the secret' }))).toMatchObject({
      type: 'InvalidSignatureException',
      message: expect.stringMatching(/^The request signature we calculated does not match/),
    });
  });

  it('checks a declared payload hash against the body', async () => {
    const req = await signed({
      body: '{"a":1}',
      headers: { 'x-amz-content-sha256': createHash('sha256').update('{"a":1}').digest('hex') },
    });
    expect((await verify(req)).ok).toBe(true);
    req.body = Buffer.from('{"a":2}');
    expect(await verify(req)).toMatchObject({
      type: 'InvalidSignatureException',
      message: expect.stringMatching(/x-amz-content-sha256/),
    });
  });

  it('refuses a credential scoped to another region, service or date', async () => {
    expect(await verify(await signed({ region: 'eu-west-1' }))).toMatchObject({
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
    });
    expect(await verify(await signed({ service: 'execute-api' }))).toMatchObject({
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'apigateway'.",
    });
    const req = await signed();
    req.headers.authorization = String(req.headers.authorization).replace(
      '/20261207/',
      '/20261206/',
    );
    expect(await verify(req)).toMatchObject({
      type: 'InvalidSignatureException',
      message: expect.stringMatching(/^Date in Credential scope does not match/),
    });
  });

  it('refuses a request signed more than 5 minutes before or after now, and takes one within', async () => {
    const at = (minutes: number) => signed({ at: new Date(NOW.getTime() + minutes * 60_000) });
    expect(await verify(await at(-6))).toMatchObject({
      type: 'InvalidSignatureException',
      message:
        'Signature expired: 20261207T115400Z is now earlier than 20261207T115500Z (20261207T120000Z - 5 min.)',
    });
    expect(await verify(await at(6))).toMatchObject({
      type: 'InvalidSignatureException',
      message: expect.stringMatching(
        /^Signature not yet current: 20261207T120600Z is still later than/,
      ),
    });
    expect((await verify(await at(-4))).ok).toBe(true);
    expect((await verify(await at(4))).ok).toBe(true);
  });

  it('refuses what could slip past the canonical request: prototype names, a second signature', async () => {
    const req = await signed({ method: 'GET', query: { a: '1' } });
    req.headers.authorization = String(req.headers.authorization).replace(
      'SignedHeaders=',
      'SignedHeaders=constructor;',
    );
    expect(await verify(req)).toMatchObject({
      ok: false,
      message: "The signed header 'constructor' is missing.",
    });
    const plain = await signed({ method: 'GET', query: { a: '1' } });
    expect(await verify({ ...plain, rawQuery: `${plain.rawQuery}&__proto__=evil` })).toMatchObject({
      ok: false,
      type: 'InvalidSignatureException',
    });
    expect(
      await verify({ ...plain, rawQuery: `${plain.rawQuery}&X-Amz-Signature=evil` }),
    ).toMatchObject({ ok: false, type: 'IncompleteSignatureException' });
    expect((await verify(plain)).ok).toBe(true);
  });

  describe('presigned query strings', () => {
    /** A URL as SignatureV4.presign makes it, and the request a client then sends with it. */
    async function presigned(
      opts: { expiresIn?: number; at?: Date; path?: string; query?: Record<string, string> } = {},
    ): Promise<SignedRequest> {
      const signer = new SignatureV4({
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: KEYS.AKIDEXAMPLE! },
        region: 'us-east-1',
        service: 'apigateway',
        sha256: NodeSha256,
      });
      const request = await signer.presign(
        {
          method: 'GET',
          protocol: 'http:',
          hostname: 'api.example.test',
          path: opts.path ?? '/prod/pets',
          query: opts.query ?? { type: 'cat dog' },
          headers: { host: 'api.example.test' },
        },
        { signingDate: opts.at ?? NOW, expiresIn: opts.expiresIn ?? 300 },
      );
      const rawQuery = Object.entries(request.query ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      return { method: 'GET', path: request.path, rawQuery, headers: { host: 'api.example.test' } };
    }

    it('accepts a presigned URL until it expires, and refuses it reused after', async () => {
      const req = await presigned({ expiresIn: 300 });
      expect(await verify(req)).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
      expect((await verify(req, new Date(NOW.getTime() + 299_000))).ok).toBe(true);
      expect(await verify(req, new Date(NOW.getTime() + 301_000))).toMatchObject({
        ok: false,
        type: 'InvalidSignatureException',
        status: 403,
        message: expect.stringMatching(/^Signature expired: 20261207T120500Z is now earlier than/),
      });
      // Valid for an hour, but not before its date (beyond the skew).
      const later = await presigned({ expiresIn: 3600, at: new Date(NOW.getTime() + 600_000) });
      expect(await verify(later)).toMatchObject({
        message: expect.stringMatching(/^Signature not yet current/),
      });
    });

    it('refuses a presigned URL whose path, query, expiry or signature was changed', async () => {
      const req = await presigned();
      const mismatch = {
        ok: false,
        type: 'InvalidSignatureException',
        message: expect.stringMatching(/^The request signature we calculated does not match/),
      };
      expect(await verify({ ...req, path: '/prod/pets/1' })).toMatchObject(mismatch);
      expect(await verify({ ...req, rawQuery: req.rawQuery.replace('cat', 'cow') })).toMatchObject(
        mismatch,
      );
      expect(await verify({ ...req, rawQuery: `${req.rawQuery}&admin=true` })).toMatchObject(
        mismatch,
      );
      expect(
        await verify({
          ...req,
          rawQuery: req.rawQuery.replace('X-Amz-Expires=300', 'X-Amz-Expires=3000'),
        }),
      ).toMatchObject(mismatch);
      expect(await verify({ ...req, method: 'DELETE' })).toMatchObject(mismatch);
    });

    it('refuses an incomplete presigned query and an expiry beyond 7 days', async () => {
      const req = await presigned();
      const without = req.rawQuery.replace(/&?X-Amz-Credential=[^&]*/, '');
      expect(await verify({ ...req, rawQuery: without })).toMatchObject({
        type: 'IncompleteSignatureException',
        status: 400,
        message: "AWS query-string parameters must include 'X-Amz-Credential'.",
      });
      const week = req.rawQuery.replace('X-Amz-Expires=300', 'X-Amz-Expires=604801');
      expect(await verify({ ...req, rawQuery: week })).toMatchObject({
        type: 'IncompleteSignatureException',
        message: expect.stringMatching(/^X-Amz-Expires must be a whole number/),
      });
      expect(await verify({ ...req, rawQuery: 'X-Amz-Signature=00' })).toMatchObject({
        type: 'IncompleteSignatureException',
      });
      // Neither form at all: AWS's missing token.
      expect(await verify({ ...req, rawQuery: 'type=cat' })).toMatchObject({
        type: 'MissingAuthenticationTokenException',
        status: 403,
        message: 'Missing Authentication Token',
      });
    });
  });

  describe('with signing keys instead of secrets', () => {
    it("verifies with the scope's derived key alone, and asks for the scope the request names", async () => {
      const scopes: unknown[] = [];
      const result = await verifySigV4(await signed({ body: '{}' }), {
        region: 'us-east-1',
        service: 'apigateway',
        now: NOW,
        signingKeyOf: async (scope) => {
          scopes.push(scope);
          return deriveSigningKey(KEYS.AKIDEXAMPLE!, scope);
        },
      });
      expect(result).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
      expect(scopes).toEqual([
        {
          accessKeyId: 'AKIDEXAMPLE',
          date: '20261207',
          region: 'us-east-1',
          service: 'apigateway',
        },
      ]);
    });

    it("refuses a signature checked with another day's key, and an unknown key id", async () => {
      const req = await signed();
      const otherDay = await verifySigV4(req, {
        region: 'us-east-1',
        service: 'apigateway',
        now: NOW,
        signingKeyOf: async (scope) =>
          deriveSigningKey(KEYS.AKIDEXAMPLE!, { ...scope, date: '20261206' }),
      });
      expect(otherDay).toMatchObject({ ok: false, type: 'InvalidSignatureException' });
      const unknown = await verifySigV4(req, {
        region: 'us-east-1',
        service: 'apigateway',
        now: NOW,
        signingKeyOf: async () => undefined,
      });
      expect(unknown).toMatchObject({
        ok: false,
        type: 'UnrecognizedClientException',
        status: 403,
        message: 'The security token included in the request is invalid.',
      });
    });

    it('derives the key AWS documents for its example secret', () => {
      // AWS's worked example ("Examples of how to derive a signing key for Signature Version 4").
      const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', {
        date: '20120215',
        region: 'us-east-1',
        service: 'iam',
      });
      expect(key.toString('hex')).toBe(
        'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
      );
    });
  });
});
