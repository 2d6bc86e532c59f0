import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { Strategy } from 'passport-strategy';
import type { AuthorizerRequest } from './authorizer-request';
import { flattenContext, PassportAuthorizerError, passportAuthorizer } from './passport-authorizer';

const stage = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod';
const tokenEvent = (token: string) => ({
  type: 'TOKEN',
  authorizationToken: token,
  methodArn: `${stage}/GET/pets/7`,
});
const requestEvent = (headers: Record<string, string>) => ({
  type: 'REQUEST',
  methodArn: `${stage}/POST/orders`,
  resource: '/orders',
  path: '/orders',
  httpMethod: 'POST',
  headers,
  multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: null,
  stageVariables: null,
  requestContext: { identity: { sourceIp: '203.0.113.9' } },
});

interface User {
  id: string;
  plan: string;
  scopes: string[];
  profile: { email: string } | null;
}
const users: Record<string, User> = {
  'tok-alice': { id: 'alice', plan: 'gold', scopes: ['read'], profile: { email: 'a@example.com' } },
};

const quiet = () => {
  const lines: Array<{ fields: object; message: string }> = [];
  return { lines, warn: (fields: object, message: string) => lines.push({ fields, message }) };
};

/** A passport-strategy subclass whose authenticate does what the test says. */
class ScriptedStrategy extends Strategy {
  name = 'scripted';
  constructor(private readonly script: (self: Strategy, req: AuthorizerRequest) => void) {
    super();
  }
  override authenticate(req: unknown): void {
    this.script(this, req as AuthorizerRequest);
  }
}

describe('passportAuthorizer with passport-http-bearer (TOKEN)', () => {
  const bearer = new BearerStrategy((token, done) => {
    if (token === 'tok-broken') return done(new Error('user store unreachable'));
    const user = users[token];
    return user ? done(null, user, { scope: 'read' }) : done(null, false);
  });
  const logger = quiet();
  const handler = passportAuthorizer<User>(bearer, {
    context: (user, info) => ({
      plan: user.plan,
      scopes: user.scopes,
      profile: user.profile,
      info,
    }),
    logger,
  });

  it('allows the whole stage for a valid token, with the principal and a flat context', async () => {
    await expect(handler(tokenEvent('Bearer tok-alice'))).resolves.toEqual({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${stage}/*`] }],
      },
      context: {
        plan: 'gold',
        scopes: '["read"]',
        profile: '{"email":"a@example.com"}',
        info: '{"scope":"read"}',
      },
    });
  });

  it.each(['Bearer tok-nobody', 'tok-alice', 'Basic tok-alice'])(
    'throws Unauthorized for %j',
    async (token) => {
      await expect(handler(tokenEvent(token))).rejects.toThrow(/^Unauthorized$/);
    },
  );

  it('throws a non-Unauthorized error, and logs it, when the verify callback fails', async () => {
    const err = await handler(tokenEvent('Bearer tok-broken')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PassportAuthorizerError);
    expect((err as Error).message).toBe('bearer: strategy error: user store unreachable');
    expect(logger.lines.at(-1)).toEqual({
      fields: { strategy: 'bearer' },
      message: 'strategy error: user store unreachable',
    });
  });

  it('throws a clear error for an event it cannot read', async () => {
    await expect(handler({ type: 'TOKEN', methodArn: stage })).rejects.toThrow(
      'bearer: A TOKEN authorizer event has no authorizationToken',
    );
  });

  it('takes principalId, resource and usageIdentifierKey from the options', async () => {
    const custom = passportAuthorizer<User>(bearer, {
      principalId: (user) => `user|${user.id}`,
      resource: (event) => [event.methodArn!, `${stage}/GET/health`],
      usageIdentifierKey: (user) => `key-${user.plan}`,
    });
    const result = await custom(tokenEvent('Bearer tok-alice'));
    expect(result.principalId).toBe('user|alice');
    expect(result.policyDocument.Statement[0]!.Resource).toEqual([
      `${stage}/GET/pets/7`,
      `${stage}/GET/health`,
    ]);
    expect(result.usageIdentifierKey).toBe('key-gold');
    expect(result.context).toEqual({});
  });

  it('refuses to allow a user it cannot name', async () => {
    const anonymous = new BearerStrategy((_token, done) => done(null, { role: 'admin' }));
    await expect(
      passportAuthorizer(anonymous, { logger: quiet() })(tokenEvent('Bearer x')),
    ).rejects.toThrow('the authenticated user has no principal id');
  });
});

describe('passportAuthorizer with passport-headerapikey (REQUEST)', () => {
  const seen: AuthorizerRequest[] = [];
  const apiKey = new HeaderAPIKeyStrategy(
    { header: 'X-Api-Key', prefix: '' },
    true,
    (key, done, req) => {
      seen.push(req as unknown as AuthorizerRequest);
      if (key === 'key-1') return done(null, { sub: 'client-1', tier: 3 });
      return done(null, false);
    },
  );
  const handler = passportAuthorizer<{ sub: string; tier: number }>(apiKey, {
    context: (user) => ({ tier: user.tier, trusted: true, note: undefined }),
  });

  it('allows a known key, naming the principal by sub, and hands the strategy the request', async () => {
    const result = await handler(requestEvent({ 'X-Api-Key': 'key-1', Host: 'api.example.com' }));
    expect(result.principalId).toBe('client-1');
    expect(result.context).toEqual({ tier: 3, trusted: true });
    expect(result.policyDocument.Statement[0]!.Resource).toEqual([`${stage}/*`]);
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      path: '/orders',
      ip: '203.0.113.9',
      headers: { 'x-api-key': 'key-1', host: 'api.example.com' },
    });
  });

  it.each([[{ 'X-Api-Key': 'key-2' }], [{ Host: 'api.example.com' }]])(
    'throws Unauthorized for %j',
    async (headers) => {
      await expect(handler(requestEvent(headers))).rejects.toThrow(/^Unauthorized$/);
    },
  );
});

describe('passportAuthorizer with the passport-strategy contract', () => {
  const run = (script: (self: Strategy, req: AuthorizerRequest) => void, timeoutMs = 1_000) =>
    passportAuthorizer(new ScriptedStrategy(script), { logger: quiet(), timeoutMs })(
      tokenEvent('Bearer t'),
    );

  it.each<[string, (self: Strategy) => void, string]>([
    ['redirect', (s) => s.redirect('https://idp.example.com/login', 302), 'redirected (302)'],
    ['pass', (s) => s.pass(), 'passed without deciding'],
    [
      'throw',
      () => {
        throw new Error('boom');
      },
      'strategy error: boom',
    ],
  ])('%s is a failure, not Unauthorized', async (_name, script, message) => {
    const err = await run(script).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PassportAuthorizerError);
    expect((err as Error).message).toContain(message);
  });

  it('fails with a clear error when the strategy never calls back', async () => {
    await expect(run(() => undefined, 20)).rejects.toThrow(
      'scripted: strategy called none of success, fail, error, redirect, pass within 20 ms',
    );
  });

  it("never waits past the invocation's remaining time", async () => {
    const handler = passportAuthorizer(new ScriptedStrategy(() => undefined), { logger: quiet() });
    await expect(
      handler(tokenEvent('Bearer t'), { getRemainingTimeInMillis: () => 80 }),
    ).rejects.toThrow('within 30 ms');
  });

  it('keeps the first action: a fail after success does not undo it, nor a success after fail', async () => {
    await expect(
      run((s) => {
        s.success({ id: 'u1' });
        s.fail('late', 401);
      }),
    ).resolves.toMatchObject({ principalId: 'u1' });
    await expect(
      run((s) => {
        s.fail('nope', 401);
        s.success({ id: 'u1' });
      }),
    ).rejects.toThrow(/^Unauthorized$/);
  });

  it('treats success with no user as Unauthorized', async () => {
    await expect(run((s) => s.success(false))).rejects.toThrow(/^Unauthorized$/);
  });

  it('gives each invocation its own actions, so concurrent ones never cross', async () => {
    const script = (s: Strategy, req: AuthorizerRequest) => {
      const id = req.headers.authorization!.slice('Bearer '.length);
      setTimeout(() => s.success({ id }), id === 'first' ? 30 : 1);
    };
    const handler = passportAuthorizer(new ScriptedStrategy(script), { logger: quiet() });
    const [first, second] = await Promise.all([
      handler(tokenEvent('Bearer first')),
      handler(tokenEvent('Bearer second')),
    ]);
    expect([first.principalId, second.principalId]).toEqual(['first', 'second']);
  });

  it('passes authenticateOptions to the strategy', async () => {
    let got: unknown;
    class Capturing extends Strategy {
      override authenticate(_req: unknown, options?: unknown): void {
        got = options;
        this.success({ id: 'x' });
      }
    }
    await passportAuthorizer(new Capturing(), { authenticateOptions: { scope: ['admin'] } })(
      tokenEvent('Bearer t'),
    );
    expect(got).toEqual({ scope: ['admin'] });
  });
});

describe('flattenContext', () => {
  it('keeps scalars, stringifies objects and arrays, drops null and undefined', () => {
    expect(
      flattenContext({
        s: 'a',
        n: 1.5,
        b: false,
        inf: Infinity,
        big: 10n,
        arr: [1, 'x'],
        obj: { a: { b: 1 } },
        nil: null,
        undef: undefined,
        fn: () => 1,
      }),
    ).toEqual({
      s: 'a',
      n: 1.5,
      b: false,
      inf: 'Infinity',
      big: '10',
      arr: '[1,"x"]',
      obj: '{"a":{"b":1}}',
    });
  });
});
