// The APIs the bench deploys into Portico through a config file (docs/config-file.md): `bench`,
// thirteen routes with one per integration, authorization and throttling under test, and
// `bench10k`, ten thousand routes of the
// kinds real APIs have, to show what route count costs. Both are OpenAPI 3 documents written
// the way API Gateway exports them, as JSON files next to the config file. Beside them the
// WebSocket API `benchws`, declared in the config file itself (`webSocketApis`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BODY, CONTENT_TYPE } from './body.mjs';

export const FUNCTION_NAME = 'bench';
export const WS_FUNCTION_NAME = 'benchws';
export const WS_API = 'benchws';
export const STAGE = 'prod';
/** The API of the routes under test. */
export const BENCH_API = 'bench';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

const lambdaUri = (name) =>
  'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/' +
  `arn:aws:lambda:us-east-1:123456789012:function:${name}/invocations`;

const passthrough = (upstream) => ({
  'x-amazon-apigateway-integration': {
    type: 'http_proxy',
    httpMethod: 'GET',
    uri: `${upstream}/data`,
    passthroughBehavior: 'when_no_match',
  },
});

/** A mock answering 200 with `body` (empty: no body) as application/json. */
const mock = (body) => ({
  'x-amazon-apigateway-integration': {
    type: 'mock',
    requestTemplates: { [CONTENT_TYPE]: '{"statusCode": 200}' },
    responses: {
      default: {
        statusCode: '200',
        ...(body ? { responseTemplates: { [CONTENT_TYPE]: body } } : {}),
      },
    },
    passthroughBehavior: 'when_no_match',
  },
});

const fn = (name) => ({
  'x-amazon-apigateway-integration': {
    type: 'aws_proxy',
    httpMethod: 'POST',
    uri: lambdaUri(name),
  },
});

const document = (title, paths, components) => ({
  openapi: '3.0.1',
  info: { title, version: '1.0' },
  paths,
  ...(components ? { components } : {}),
});

/**
 * The limits of every bucket `portico-apikey-throttle` goes through — the stage's method
 * throttle, its usage plan's throttle per key and the plan's throttle of the method — and its
 * plan's quota: far above what one machine can send, so throttling is paid for on every request
 * and refuses none. With a burst of 100,000 each lease is 1,000 tokens
 * (THROTTLE_LEASE_FRACTION 0.01), as under the account bucket alone.
 */
export const BENCH_THROTTLE = { rateLimit: 1_000_000, burstLimit: 100_000 };
export const BENCH_QUOTA = { limit: 1_000_000_000, period: 'DAY', offset: 0 };
/** The method the stage and the usage plan throttle, as both name it. */
export const THROTTLED_METHOD = '/apikey-throttle/GET';

/**
 * The usage plan (CreateUsagePlan's body) that admits each API-key target's key on the bench
 * stage. portico-apikey's sets no limit, so that target measures the key's decision alone;
 * portico-apikey-throttle's throttles the key and the method and counts a quota.
 */
export const USAGE_PLANS = {
  'portico-apikey': {
    name: 'portico-bench-apikey',
    apiStages: [{ apiId: BENCH_API, stage: STAGE }],
  },
  'portico-apikey-throttle': {
    name: 'portico-bench-apikey-throttle',
    apiStages: [
      { apiId: BENCH_API, stage: STAGE, throttle: { [THROTTLED_METHOD]: BENCH_THROTTLE } },
    ],
    throttle: BENCH_THROTTLE,
    quota: BENCH_QUOTA,
  },
};

/** The security schemes of the methods that require an API key and a JWT. */
export const API_KEY_SCHEME = 'api_key';
export const JWT_SCHEME = 'bench_jwt';

/**
 * The two schemes as API Gateway exports them: the API key in `x-api-key`, and a JWT authorizer
 * (`type: jwt`, as HTTP APIs declare it) on the Authorization header whose keys are inline in
 * `x-portico-jwt`, so no key server is needed. Both keep their decisions at the edge for the
 * default 300 s.
 */
function securitySchemes({ issuer, audience, jwks }) {
  return {
    [API_KEY_SCHEME]: { type: 'apiKey', name: 'x-api-key', in: 'header' },
    [JWT_SCHEME]: {
      type: 'oauth2',
      flows: {},
      'x-amazon-apigateway-authorizer': {
        type: 'jwt',
        identitySource: '$request.header.Authorization',
        jwtConfiguration: { issuer, audience: [audience] },
      },
      'x-portico-jwt': { jwks, algorithms: ['RS256'] },
    },
  };
}

/** `operation` required to pass the security scheme `scheme` first. */
const secured = (scheme, operation) => ({ security: [{ [scheme]: [] }], ...operation });

/** The number of routes (path and method pairs, ANY counted once) a document declares. */
export function routeCount(doc) {
  let count = 0;
  for (const item of Object.values(doc.paths)) {
    for (const key of Object.keys(item)) {
      if (METHODS.includes(key) || key === 'x-amazon-apigateway-any-method') count += 1;
    }
  }
  return count;
}

/**
 * The `bench` API: the six routes under test — the passthrough, the same passthrough behind an
 * API key (twice: once with throttling at every level, see BENCH_THROTTLE) and behind the JWT
 * authorizer, a function and a mock — and seven others, thirteen in all.
 * `jwt` is the authorizer's issuer, audience and key set (auth.mjs).
 */
export function benchApi(upstream, jwt) {
  const paths = {
    '/passthrough': { get: passthrough(upstream) },
    '/apikey': { get: secured(API_KEY_SCHEME, passthrough(upstream)) },
    '/apikey-throttle': { get: secured(API_KEY_SCHEME, passthrough(upstream)) },
    '/jwt': { get: secured(JWT_SCHEME, passthrough(upstream)) },
    '/function': { get: fn(FUNCTION_NAME) },
    '/mock': { get: mock(BODY) },
    '/items': { get: mock(), post: mock() },
    '/items/{id}': { get: mock(), put: mock(), delete: mock() },
    '/users/{userId}/orders': { get: mock() },
    '/files/{proxy+}': { 'x-amazon-apigateway-any-method': mock() },
  };
  return document('Portico bench', paths, { securitySchemes: securitySchemes(jwt) });
}

/**
 * The `bench10k` API: /passthrough plus 9,999 routes over services /svc0 … /svc999, each with
 * literal and `{param}` paths, several methods and a greedy `{proxy+}`, as large APIs have.
 */
export function bench10kApi(upstream, total = 10_000) {
  const shapes = [
    ['/items', 'get'],
    ['/items', 'post'],
    ['/items/{id}', 'get'],
    ['/items/{id}', 'put'],
    ['/items/{id}', 'delete'],
    ['/items/{id}/history', 'get'],
    ['/orders/{orderId}', 'patch'],
    ['/orders/{orderId}/lines/{line}', 'get'],
    ['/health', 'get'],
    ['/files/{proxy+}', 'x-amazon-apigateway-any-method'],
  ];
  const paths = { '/passthrough': { get: passthrough(upstream) } };
  // One shared integration object: JSON.stringify writes it out for every route all the same.
  const filler = mock();
  for (let i = 0; i < total - 1; i++) {
    const [suffix, method] = shapes[i % shapes.length];
    const path = `/svc${Math.floor(i / shapes.length)}${suffix}`;
    paths[path] ??= {};
    paths[path][method] = filler;
  }
  return document('Portico bench 10k', paths);
}

/**
 * The `benchws` WebSocket API: `$connect` and the two-way routes `echo` and `whoami`, all on
 * the function bench/functions/websocket.mjs. No limit on new connections per second: the idle
 * scenario opens them as fast as the machine can.
 */
export function webSocketApi() {
  const fn = { integration: { type: 'AWS_PROXY', uri: WS_FUNCTION_NAME } };
  return {
    id: WS_API,
    routeSelectionExpression: '$request.body.action',
    maxConnectionsPerSecond: 0,
    routes: {
      $connect: fn,
      echo: { ...fn, routeResponse: true },
      whoami: { ...fn, routeResponse: true },
    },
    stages: [{ name: STAGE }],
  };
}

/**
 * Writes the config file and both definitions into `dir` (`jwt`: the JWT authorizer's issuer,
 * audience and key set); returns the config file's path and
 * the route count and size of each definition.
 */
export function writeBenchConfig(dir, { upstream, jwt }) {
  const apis = { [BENCH_API]: benchApi(upstream, jwt), bench10k: bench10kApi(upstream) };
  const written = {};
  for (const [id, doc] of Object.entries(apis)) {
    const text = JSON.stringify(doc);
    writeFileSync(join(dir, `${id}.json`), text);
    written[id] = { routes: routeCount(doc), bytes: Buffer.byteLength(text) };
  }
  // The stage's own throttle of the throttled method: one more bucket for its requests only.
  const methodThrottles = { [THROTTLED_METHOD]: BENCH_THROTTLE };
  const config = {
    restApis: Object.keys(apis).map((id) => ({
      id,
      definition: `./${id}.json`,
      stages: [{ name: STAGE, ...(id === BENCH_API ? { methodThrottles } : {}) }],
    })),
    webSocketApis: [webSocketApi()],
    domainNames: [],
  };
  const file = join(dir, 'portico.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { file, apis: written };
}
