import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JwtAuthorizer, type Method, readJwtAuthorizer } from '@portico/definitions';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  type KeyLike,
  SignJWT,
} from 'jose';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { EdgeConfig } from '../config';
import type { EdgeRequest } from '../pipeline/edge-request';
import type { GatewayError } from '../responses/gateway-error';
import type { CompiledStage } from '../stages/compiled-stage';
import { JwtGate } from './jwt-gate';

const ISSUER = 'https://idp.example.com/';
const logger = pino({ level: 'silent' });
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A local JWKS endpoint whose behaviour each test sets. */
class KeyServer {
  server!: Server;
  url = '';
  requests = 0;
  mode: 'serve' | 'hang' | 'stall-body' | 'error' | 'garbage' = 'serve';
  keys: JWK[] = [];
  /** The OpenID configuration served at /.well-known/openid-configuration. */
  discovery: Record<string, unknown> = {};
  /** `http://127.0.0.1:{port}`: an issuer whose discovery document this server serves. */
  origin = '';
  private readonly hung: ServerResponse[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests += 1;
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify(this.discovery));
      }
      if (this.mode === 'hang') return void this.hung.push(res);
      if (this.mode === 'stall-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
        return void this.hung.push(res);
      }
      if (this.mode === 'error') return void res.writeHead(500).end('down');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(this.mode === 'garbage' ? '{"keys":"none"}' : JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.url = `${this.origin}/jwks.json`;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface Keys {
  privateKey: KeyLike;
  publicKey: KeyLike;
  jwk: JWK;
}

async function keys(alg: string, kid: string): Promise<Keys> {
  const pair = await generateKeyPair(alg, { extractable: true });
  return { ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' } };
}

describe('JwtGate', () => {
  const jwks = new KeyServer();
  const attackerJwks = new KeyServer();
  let rsa: Keys;
  let rotated: Keys;
  let attacker: Keys;
  let gate: JwtGate;
  let registry: Registry;

  const config = {
    JWKS_FETCH_TIMEOUT_MS: 300,
    JWKS_COOLDOWN_MS: 60_000,
    JWKS_MAX_AGE_MS: 600_000,
    API_KEY_CACHE_MAX_ENTRIES: 1000,
  } as EdgeConfig;

  beforeAll(async () => {
    [rsa, rotated, attacker] = await Promise.all([
      keys('RS256', 'k1'),
      keys('RS256', 'k2'),
      keys('RS256', 'evil'),
    ]);
    await Promise.all([jwks.start(), attackerJwks.start()]);
    attackerJwks.keys = [attacker.jwk];
  });

  afterAll(async () => {
    await Promise.all([jwks.stop(), attackerJwks.stop()]);
  });

  beforeEach(() => {
    jwks.mode = 'serve';
    jwks.keys = [rsa.jwk];
    jwks.requests = 0;
    attackerJwks.requests = 0;
    registry = new Registry();
    gate = new JwtGate(config, logger, registry);
  });

  function authorizer(
    ext: Record<string, unknown> = {},
    portico: Record<string, unknown> = {},
  ): JwtAuthorizer {
    const read = readJwtAuthorizer('idp', {
      type: 'oauth2',
      'x-amazon-apigateway-authorizer': {
        type: 'jwt',
        identitySource: '$request.header.Authorization',
        jwtConfiguration: { issuer: ISSUER, audience: ['api'] },
        ...ext,
      },
      'x-portico-jwt': { jwksUri: jwks.url, ...portico },
    });
    if (typeof read === 'string') throw new Error(read);
    return read;
  }

  function sign(
    claims: JWTPayload = {},
    header: Record<string, unknown> = {},
    key: KeyLike | Uint8Array = rsa.privateKey,
  ): Promise<string> {
    const defaults = { iss: ISSUER, aud: 'api', iat: now(), exp: now() + 3600 };
    return new SignJWT({ ...defaults, sub: 'user-1', email: 'a@example.com', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
      .sign(key);
  }

  async function run(
    token: string | undefined,
    options: { authorizer?: JwtAuthorizer; scopes?: string[]; deploymentId?: string } = {},
  ): Promise<{ refused?: GatewayError; r: EdgeRequest }> {
    const a = options.authorizer ?? authorizer();
    const stage = {
      apiId: 'api1',
      stageName: 'prod',
      deploymentId: options.deploymentId ?? 'd1',
      jwtAuthorizers: new Map([[a.name, a]]),
    } as unknown as CompiledStage;
    const method = {
      authorizationType: a.type,
      authorizerName: a.name,
      ...(options.scopes ? { authorizationScopes: options.scopes } : {}),
    } as Method;
    const r = {
      requestId: 'req-1',
      headers: token === undefined ? {} : { [a.tokenHeader]: [token] },
    } as unknown as EdgeRequest;
    return { refused: await gate.authorize(r, stage, method), r };
  }

  const expectUnauthorized = (refused: GatewayError | undefined) =>
    expect(refused).toMatchObject({
      responseType: 'UNAUTHORIZED',
      statusCode: 401,
      clientMessage: 'Unauthorized',
    });

  it('admits a good token and gives its sub and claims to the integration', async () => {
    const { refused, r } = await run(`Bearer ${await sign({ groups: ['a', 'b'] })}`);
    expect(refused).toBeUndefined();
    expect(r.authorizer).toMatchObject({
      principalId: 'user-1',
      claims: {
        sub: 'user-1',
        email: 'a@example.com',
        iss: ISSUER,
        aud: 'api',
        groups: '["a","b"]',
      },
    });
    expect(r.authorizer!.claims!.exp).toMatch(/^\d+$/);
  });

  it('answers 401 without a token', async () => {
    expectUnauthorized((await run(undefined)).refused);
    expectUnauthorized((await run('Bearer ')).refused);
    expect(jwks.requests).toBe(0);
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %s', async (alg) => {
    const payload = { iss: ISSUER, aud: 'api', sub: 'admin', exp: now() + 3600 };
    const token = `${b64({ alg, kid: 'k1', typ: 'JWT' })}.${b64(payload)}.`;
    expectUnauthorized((await run(token)).refused);
  });

  it('refuses HS256 signed with the RSA public key (PEM, JWK JSON and modulus) as the secret', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    for (const secret of [pem, JSON.stringify(rsa.jwk), rsa.jwk.n!]) {
      const token = await sign({}, { alg: 'HS256' }, new TextEncoder().encode(secret));
      expectUnauthorized((await run(token)).refused);
    }
  });

  it('ignores a key embedded in the header (jwk)', async () => {
    for (const kid of ['k1', undefined]) {
      const token = await sign({}, { kid, jwk: attacker.jwk }, attacker.privateKey);
      expectUnauthorized((await run(token)).refused);
    }
  });

  it('never fetches a key set the token points at (jku, x5u)', async () => {
    const token = await sign(
      {},
      { kid: 'evil', jku: attackerJwks.url, x5u: attackerJwks.url },
      attacker.privateKey,
    );
    expectUnauthorized((await run(token)).refused);
    expect(attackerJwks.requests).toBe(0);
  });

  it.each([
    ['a path', '../../../../dev/null'],
    ['SQL', "' OR '1'='1' --"],
    ['a NUL byte', 'k1\u0000'],
    ['an empty kid', ''],
    ['a URL', 'https://attacker.example/key'],
  ])('refuses a kid trick: %s', async (_, kid) => {
    const token = await sign({}, { kid }, attacker.privateKey);
    expectUnauthorized((await run(token)).refused);
  });

  it('fetches the key set again once for an unknown kid, then refuses without fetching', async () => {
    expect((await run(await sign())).refused).toBeUndefined();
    expect(jwks.requests).toBe(1);
    const unknown = await sign({}, { kid: 'nope' }, attacker.privateKey);
    // The set was fetched just now: within the cooldown an unknown kid fetches nothing.
    expectUnauthorized((await run(unknown)).refused);
    expect(jwks.requests).toBe(1);

    const cold = new JwtGate({ ...config, JWKS_COOLDOWN_MS: 0 }, logger, new Registry());
    gate = cold;
    expect((await run(await sign())).refused).toBeUndefined();
    const before = jwks.requests;
    expectUnauthorized((await run(unknown)).refused);
    expect(jwks.requests).toBe(before + 1);
  });

  it("finds the key set by OpenID discovery when none is given, only from the issuer's own document", async () => {
    const discovered = () => {
      const read = readJwtAuthorizer('idp', {
        type: 'oauth2',
        'x-amazon-apigateway-authorizer': {
          type: 'jwt',
          identitySource: '$request.header.Authorization',
          jwtConfiguration: { issuer: jwks.origin, audience: ['api'] },
        },
      });
      if (typeof read === 'string') throw new Error(read);
      return read;
    };
    jwks.discovery = { issuer: jwks.origin, jwks_uri: jwks.url };
    const token = await sign({ iss: jwks.origin });
    expect((await run(token, { authorizer: discovered() })).refused).toBeUndefined();
    expect(jwks.requests).toBe(2);
    // A document that names another issuer is not that issuer's: its keys are never used.
    gate = new JwtGate(config, logger, new Registry());
    jwks.discovery = { issuer: 'https://elsewhere.example', jwks_uri: jwks.url };
    const { refused } = await run(token, { authorizer: discovered() });
    expect(refused).toMatchObject({ responseType: 'AUTHORIZER_FAILURE', statusCode: 500 });
    gate = new JwtGate(config, logger, new Registry());
    jwks.discovery = { issuer: jwks.origin, jwks_uri: 'file:///etc/keys.json' };
    expect((await run(token, { authorizer: discovered() })).refused).toMatchObject({
      statusCode: 500,
    });
  });

  it('picks up a rotated key on its first use', async () => {
    expect((await run(await sign())).refused).toBeUndefined();
    gate = new JwtGate({ ...config, JWKS_COOLDOWN_MS: 0 }, logger, new Registry());
    expect((await run(await sign())).refused).toBeUndefined();
    jwks.keys = [rsa.jwk, rotated.jwk];
    const { refused, r } = await run(await sign({ sub: 'new' }, { kid: 'k2' }, rotated.privateKey));
    expect(refused).toBeUndefined();
    expect(r.authorizer?.principalId).toBe('new');
  });

  it('refuses an expired token, and one without exp', async () => {
    expectUnauthorized((await run(await sign({ exp: now() - 120 }))).refused);
    const noExp = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('api')
      .sign(rsa.privateKey);
    expectUnauthorized((await run(noExp)).refused);
  });

  it('accepts exp within the clock skew but does not keep it', async () => {
    const token = await sign({ exp: now() - 20 });
    expect((await run(token)).refused).toBeUndefined();
    expect((await run(token)).refused).toBeUndefined();
    const metric = await registry.getSingleMetricAsString('portico_edge_jwt_decisions_total');
    expect(metric).toContain('source="verified",outcome="allowed"} 2');
    expect(metric).not.toContain('source="cache"');
  });

  it('refuses a token not yet valid (nbf) or issued in the future (iat) beyond the skew', async () => {
    expectUnauthorized((await run(await sign({ nbf: now() + 120 }))).refused);
    expectUnauthorized((await run(await sign({ iat: now() + 120 }))).refused);
    expect((await run(await sign({ nbf: now() + 20, iat: now() + 20 }))).refused).toBeUndefined();
    const strict = authorizer({}, { clockSkewSeconds: 0 });
    expectUnauthorized(
      (await run(await sign({ nbf: now() + 20 }), { authorizer: strict })).refused,
    );
  });

  it('refuses a wrong audience; takes client_id only when there is no aud', async () => {
    expectUnauthorized((await run(await sign({ aud: 'other' }))).refused);
    expectUnauthorized((await run(await sign({ aud: ['x', 'y'], client_id: 'api' }))).refused);
    const accessToken = await new SignJWT({ sub: 's', client_id: 'api' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setExpirationTime('1h')
      .sign(rsa.privateKey);
    expect((await run(accessToken)).refused).toBeUndefined();
  });

  it('refuses a wrong issuer without fetching its keys', async () => {
    expectUnauthorized((await run(await sign({ iss: 'https://evil.example.com/' }))).refused);
    expectUnauthorized((await run(await sign({ iss: ISSUER.slice(0, -1) }))).refused);
    expect(jwks.requests).toBe(0);
  });

  it('refuses a tampered payload or signature', async () => {
    const [header, payload, signature] = (await sign()).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    const escalated = b64({ ...claims, sub: 'admin' });
    expectUnauthorized((await run(`${header}.${escalated}.${signature}`)).refused);
    const flipped = Buffer.from(payload, 'base64url');
    flipped[3] = flipped[3]! ^ 1;
    expectUnauthorized(
      (await run(`${header}.${flipped.toString('base64url')}.${signature}`)).refused,
    );
    const sig = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expectUnauthorized((await run(`${header}.${payload}.${sig}`)).refused);
    expectUnauthorized((await run('not.a.jwt')).refused);
  });

  it('refuses an algorithm outside the allowlist even with a key that would verify it', async () => {
    const ec = await keys('ES256', 'e1');
    jwks.keys = [rsa.jwk, ec.jwk];
    const token = await sign({}, { alg: 'ES256', kid: 'e1' }, ec.privateKey);
    expectUnauthorized((await run(token)).refused);
    const both = authorizer({}, { algorithms: ['RS256', 'ES256'] });
    expect((await run(token, { authorizer: both })).refused).toBeUndefined();
  });

  it('verifies HS256 against an inline secret and nothing else', async () => {
    const secret = new Uint8Array(32).fill(9);
    const hs = authorizer(
      {},
      {
        jwksUri: undefined,
        algorithms: ['HS256'],
        jwks: { keys: [{ kty: 'oct', k: Buffer.from(secret).toString('base64url') }] },
      },
    );
    const token = await sign({}, { alg: 'HS256', kid: undefined }, secret);
    expect((await run(token, { authorizer: hs })).refused).toBeUndefined();
    expectUnauthorized((await run(await sign(), { authorizer: hs })).refused);
    expectUnauthorized(
      (await run(await sign({}, { alg: 'HS256' }, new Uint8Array(32).fill(1)), { authorizer: hs }))
        .refused,
    );
  });

  it.each<[string, KeyServer['mode']]>([
    ['hangs', 'hang'],
    ['stalls mid-body', 'stall-body'],
    ['answers 500', 'error'],
    ['answers something that is not a key set', 'garbage'],
  ])('answers 500 (never 200 or 401) when the key set server %s', async (_, mode) => {
    jwks.mode = mode;
    const { refused, r } = await run(await sign());
    expect(refused).toMatchObject({ responseType: 'AUTHORIZER_FAILURE', statusCode: 500 });
    expect(r.authorizer).toBeUndefined();
    // Not kept: once the server is back the same token is admitted.
    jwks.mode = 'serve';
    expect((await run(await sign())).refused).toBeUndefined();
  });

  it('keeps a verified token: the next request is answered from the cache, per deployment', async () => {
    const token = await sign();
    expect((await run(token)).refused).toBeUndefined();
    jwks.mode = 'error';
    expect((await run(token)).refused).toBeUndefined();
    const metric = await registry.getSingleMetricAsString('portico_edge_jwt_decisions_total');
    expect(metric).toContain('source="cache",outcome="allowed"} 1');
    // A new deployment verifies again (the keys are still in hand).
    expect((await run(token, { deploymentId: 'd2' })).refused).toBeUndefined();
    expect(await registry.getSingleMetricAsString('portico_edge_jwt_decisions_total')).toContain(
      'source="verified",outcome="allowed"} 2',
    );
  });

  it('JWT methods: any one of the scopes, else 403 Forbidden', async () => {
    const scopes = ['read', 'admin'];
    expect((await run(await sign({ scope: 'write read' }), { scopes })).refused).toBeUndefined();
    expect((await run(await sign({ scp: ['admin'] }), { scopes })).refused).toBeUndefined();
    expect((await run(await sign({ scope: 'write' }), { scopes })).refused).toMatchObject({
      responseType: 'ACCESS_DENIED',
      statusCode: 403,
      clientMessage: 'Forbidden',
    });
    expect((await run(await sign(), { scopes })).refused).toMatchObject({ statusCode: 403 });
  });

  describe('Cognito user pools', () => {
    function cognito(): JwtAuthorizer {
      const read = readJwtAuthorizer('pool', {
        type: 'apiKey',
        name: 'Authorization',
        in: 'header',
        'x-amazon-apigateway-authorizer': {
          type: 'cognito_user_pools',
          providerARNs: ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool'],
        },
        'x-portico-jwt': { issuer: ISSUER, jwksUri: jwks.url },
      });
      if (typeof read === 'string') throw new Error(read);
      return read;
    }

    it('a method without scopes takes ID tokens, not access tokens', async () => {
      const a = cognito();
      const idToken = await sign({ token_use: 'id', 'cognito:username': 'alice' });
      const { refused, r } = await run(idToken, { authorizer: a });
      expect(refused).toBeUndefined();
      expect(r.authorizer?.claims).toMatchObject({ 'cognito:username': 'alice' });
      expectUnauthorized(
        (await run(await sign({ token_use: 'access', scope: 'read' }), { authorizer: a })).refused,
      );
    });

    it('a method with scopes takes access tokens with one of them, else 401 as REST APIs', async () => {
      const a = cognito();
      const scopes = ['orders/read'];
      const access = await sign({ token_use: 'access', scope: 'openid orders/read' });
      expect((await run(access, { authorizer: a, scopes })).refused).toBeUndefined();
      expectUnauthorized(
        (await run(await sign({ token_use: 'access', scope: 'openid' }), { authorizer: a, scopes }))
          .refused,
      );
      expectUnauthorized(
        (
          await run(await sign({ token_use: 'id', scope: 'orders/read' }), {
            authorizer: a,
            scopes,
          })
        ).refused,
      );
    });
  });
});
