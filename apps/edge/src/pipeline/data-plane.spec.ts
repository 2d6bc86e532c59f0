import type { RunningService } from '@portico/platform';
import { Client } from 'undici';
import type { EchoBody } from '../testing/edge-fixtures';
import { type StandardHarness, startStandardHarness } from '../testing/edge-harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The real edge, booted through bootstrap(), against real NATS and Redis. */
describe('data plane', () => {
  let h: StandardHarness;
  let edge: RunningService;
  let client: Client;

  beforeAll(async () => {
    h = await startStandardHarness();
    edge = await h.startEdge();
    // A Client sends paths as given (request() would resolve dot segments first).
    client = new Client(`http://127.0.0.1:${edge.port}`);
  });

  afterAll(async () => {
    await client?.close();
    await h?.close();
  });

  async function call(
    path: string,
    opts: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {},
  ) {
    const res = await client.request({
      path,
      method: (opts.method ?? 'GET') as 'GET',
      headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
      body: opts.body,
    });
    const text = await res.body.text();
    expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    return { status: res.statusCode, headers: res.headers, text };
  }
  const json = <T = EchoBody>(text: string) => JSON.parse(text) as T;
  const pathStyle = (api: string, stage: string, rest: string) =>
    `/restapis/${api}/${stage}/_user_request_${rest}`;

  describe('invocation forms', () => {
    it('serves path-style /restapis/{id}/{stage}/_user_request_/… on any host', async () => {
      for (const host of ['localhost', 'whatever.example', '127.0.0.1:9']) {
        const res = await call(pathStyle('api1', 'prod', '/pets'), { host });
        expect(res.status).toBe(200);
        expect(json(res.text)).toMatchObject({
          api: 'api1',
          stage: 'prod',
          label: 'prod-pets',
          resource: '/pets',
        });
      }
    });

    it('serves {restApiId}.execute-api.{domain} with the stage from the path, on any port', async () => {
      const prod = await call('/prod/pets/7', { host: 'api1.execute-api.localhost:4566' });
      expect(prod.status).toBe(200);
      expect(json(prod.text)).toMatchObject({
        stage: 'prod',
        label: 'prod-pet',
        id: '7',
        path: '/prod/pets/7',
      });
      const dev = await call('/dev/pets', { host: 'API1.Execute-Api.LOCALHOST' });
      expect(json(dev.text)).toMatchObject({ stage: 'dev', label: 'dev-pets' });
      const root = await call('/prod', { host: 'api1.execute-api.localhost' });
      expect(json(root.text)).toMatchObject({ label: 'prod-root', resource: '/' });
    });

    it('serves custom domain names through base path mappings (longest wins; stage from the mapping)', async () => {
      const host = 'api.example.test';
      expect(json((await call('/pets', { host })).text)).toMatchObject({
        stage: 'prod',
        label: 'prod-pets',
        path: '/pets',
      });
      expect(json((await call('/v2/pets', { host })).text)).toMatchObject({
        stage: 'dev',
        label: 'dev-pets',
        path: '/v2/pets',
      });
      expect(json((await call('/v2', { host })).text)).toMatchObject({
        stage: 'dev',
        label: 'dev-root',
      });
      // The stage is not taken from the path on a custom domain.
      expect((await call('/prod/pets', { host })).status).toBe(403);
      // A disabled execute-api endpoint does not close custom domains.
      expect(json((await call('/closed/x', { host })).text)).toMatchObject({
        api: 'api2',
        label: 'closed',
      });
    });

    it('honours disableExecuteApiEndpoint for the execute-api and path-style forms', async () => {
      for (const res of [
        await call('/prod/x', { host: 'api2.execute-api.localhost' }),
        await call(pathStyle('api2', 'prod', '/x')),
      ]) {
        expect(res.status).toBe(403);
        expect(json(res.text)).toEqual({ message: 'Forbidden' });
      }
    });
  });

  describe('errors', () => {
    it('answers 403 Forbidden for unknown APIs, stages and hosts', async () => {
      for (const res of [
        await call(pathStyle('api1', 'nostage', '/pets')),
        await call(pathStyle('nope', 'prod', '/pets')),
        await call('/nostage/pets', { host: 'api1.execute-api.localhost' }),
        await call('/prod/pets', { host: 'nope.execute-api.localhost' }),
        await call('/pets', { host: 'unknown.example' }),
      ]) {
        expect(res.status).toBe(403);
        expect(json(res.text)).toEqual({ message: 'Forbidden' });
        expect(res.headers['content-type']).toBe('application/json');
      }
    });

    it('answers 403 Missing Authentication Token when no resource and method match', async () => {
      for (const res of [
        await call(pathStyle('api1', 'prod', '/nope')),
        await call(pathStyle('api1', 'prod', '/pets'), { method: 'DELETE' }),
        await call(pathStyle('api1', 'prod', '/pets/1/2')),
        // Methods API Gateway does not know still get its answer (and a request id).
        await call(pathStyle('api1', 'prod', '/pets'), { method: 'PROPFIND' }),
      ]) {
        expect(res.status).toBe(403);
        expect(json(res.text)).toEqual({ message: 'Missing Authentication Token' });
      }
      // HEAD is a method of its own in API Gateway: no fallback to GET (and no body, by HTTP).
      const head = await call(pathStyle('api1', 'prod', '/pets'), { method: 'HEAD' });
      expect(head.status).toBe(403);
      expect(head.text).toBe('');
      expect(head.headers['content-type']).toBe('application/json');
    });

    it("renders the API's gateway responses", async () => {
      const missing = await call(pathStyle('api3', 'prod', '/nope'), {
        headers: { origin: 'https://app.example' },
      });
      expect(missing.status).toBe(404);
      expect(missing.headers['x-portico-test']).toBe('missing');
      expect(missing.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(missing.headers['x-team']).toBe('pets');
      expect(json(missing.text)).toEqual({
        error: 'Missing Authentication Token',
        requestId: missing.headers['x-amzn-requestid'],
      });
      // PROPFIND has no route either: same override.
      expect((await call(pathStyle('api3', 'prod', '/only'), { method: 'PROPFIND' })).status).toBe(
        404,
      );
      // Gateway responses are per API: api1 keeps AWS's default.
      expect((await call(pathStyle('api1', 'prod', '/nope'))).status).toBe(403);
    });

    it('answers 400 Bad Request for paths it cannot decode', async () => {
      for (const bad of ['/pets%zz', '/pets/%00', '/pets/%C3%28', '/pets/%']) {
        const res = await call(pathStyle('api1', 'prod', bad));
        expect(res.status).toBe(400);
        expect(json(res.text)).toEqual({ message: 'Bad Request' });
      }
    });

    it('answers 502 when the upstream is down, with a request id', async () => {
      const res = await call(pathStyle('api1', 'prod', '/dead'));
      expect(res.status).toBe(502);
    });
  });

  describe('path normalisation', () => {
    it('keeps an encoded slash inside its segment and decodes once', async () => {
      const slash = await call(pathStyle('api1', 'prod', '/pets/a%2Fb'));
      expect(json(slash.text)).toMatchObject({
        resource: '/pets/{id}',
        id: 'a/b',
        path: '/prod/pets/a%2Fb',
      });
      const twice = await call(pathStyle('api1', 'prod', '/pets/a%252Fb'));
      expect(json(twice.text)).toMatchObject({
        resource: '/pets/{id}',
        id: 'a%2Fb',
        path: '/prod/pets/a%252Fb',
      });
    });

    it('resolves dot segments and duplicate slashes without leaving the stage', async () => {
      const res = await call(pathStyle('api1', 'prod', '//pets/./x/..//7'));
      expect(json(res.text)).toMatchObject({
        stage: 'prod',
        label: 'prod-pet',
        id: '7',
        path: '/prod/pets/7',
      });
      // ".." cannot climb from prod into dev: /prod/../dev/pets is /dev/pets inside prod.
      const escape = await call('/prod/../dev/pets', { host: 'api1.execute-api.localhost' });
      expect(escape.status).toBe(403);
      expect(json(escape.text)).toEqual({ message: 'Missing Authentication Token' });
      const encoded = await call('/prod/%2e%2e/%2E%2E/pets', {
        host: 'api1.execute-api.localhost',
      });
      expect(json(encoded.text)).toMatchObject({ stage: 'prod', label: 'prod-pets' });
    });

    it('cannot leave the stage with extra slashes, encoded dots or backslashes', async () => {
      const host = 'api1.execute-api.localhost';
      // `//dev` is the stage `dev` (empty segments vanish), never a way around `prod`.
      expect(json((await call('//dev//pets', { host })).text)).toMatchObject({ stage: 'dev' });
      for (const path of [
        '/prod/..%2Fdev/pets',
        '/prod/..%5Cdev%5Cpets',
        '/prod/%2e%2e%2fdev%2fpets',
        '/prod/.%2e/.%2e/dev/pets',
      ]) {
        const res = await call(path, { host });
        // Each is a path inside prod that matches nothing there.
        expect({ path, status: res.status, body: json(res.text) }).toEqual({
          path,
          status: 403,
          body: { message: 'Missing Authentication Token' },
        });
      }
      // An encoded backslash is data in one segment, forwarded encoded.
      const upstream = await call(pathStyle('api1', 'prod', '/up/a%5Cb/..%5Cc'));
      expect(json<{ url: string }>(upstream.text).url).toBe('/a%5Cb/..%5Cc');
    });

    it('reads the Host header case-insensitively, without port or trailing dot', async () => {
      const res = await call('/prod/pets', { host: 'API1.execute-api.LOCALHOST.:8443' });
      expect(json(res.text)).toMatchObject({ api: 'api1', stage: 'prod', label: 'prod-pets' });
      // An IPv6 literal names no API; the path-style form still works on it.
      expect((await call('/prod/pets', { host: '[::1]:8080' })).status).toBe(403);
      expect((await call(pathStyle('api1', 'prod', '/pets'), { host: '[::1]' })).status).toBe(200);
    });

    it('routes a trailing slash like no slash, as API Gateway does', async () => {
      const res = await call(pathStyle('api1', 'prod', '/pets/'));
      expect(json(res.text)).toMatchObject({ resource: '/pets', label: 'prod-pets' });
    });

    it('forwards the normalised path to the upstream', async () => {
      const res = await call(pathStyle('api1', 'prod', '/up/a/./b/../c//d?x=1&x=2'));
      expect(res.status).toBe(200);
      expect(json<{ url: string }>(res.text).url).toBe('/a/c/d?x=1&x=2');
    });

    it('forwards path parameters byte for byte as they were matched', async () => {
      // An encoded slash stays inside its segment; sub-delimiters the client left plain stay plain.
      expect(
        json<{ url: string }>((await call(pathStyle('api1', 'prod', '/up/a%2Fb/c?x=1'))).text).url,
      ).toBe('/a%2Fb/c?x=1');
      expect(
        json<{ url: string }>((await call(pathStyle('api1', 'prod', '/up/a:b@c,d=e/f'))).text).url,
      ).toBe('/a:b@c,d=e/f');
    });
  });
});
