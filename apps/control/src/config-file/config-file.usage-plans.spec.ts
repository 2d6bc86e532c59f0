import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from './config-file.loader';

async function load(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'portico-usageplans-file-'));
  writeFileSync(
    join(dir, 'api.yaml'),
    `openapi: 3.0.1\ninfo: { title: Shop, version: '1' }\npaths:\n  /items:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n`,
  );
  writeFileSync(join(dir, 'portico.yaml'), yaml);
  return (await loadConfigFile(join(dir, 'portico.yaml'))).result;
}

const BASE =
  `restApis:\n  - definition: api.yaml\n    stages: [{ name: prod }, { name: dev }]\n` +
  `webSocketApis:\n  - name: chat\n    routes: { $default: { integration: { type: MOCK } } }\n    stages: [{ name: live }]\n` +
  `apiKeys:\n  - { name: partner, value: ${'v'.repeat(30)} }\n`;
const plans = (yaml: string) => `${BASE}usagePlans:\n${yaml}`;

describe('usage plans in the config file', () => {
  it('resolves API stages by name or id, and keys by the file name or as ids', async () => {
    const result = await load(
      plans(`  - name: gold
    description: the best
    apiStages:
      - restApi: Shop
        stage: prod
        throttle: { /items/GET: { rateLimit: 5, burstLimit: 10 } }
      - { restApi: shop, stage: dev }
    throttle: { rateLimit: 100.5, burstLimit: 200 }
    quota: { limit: 1000, period: MONTH, offset: 10 }
    apiKeys: [partner, abc123def0]
  - name: bare
`),
    );
    expect(result.ok && result.state.usagePlans).toEqual([
      {
        name: 'gold',
        description: 'the best',
        apiStages: [
          {
            apiId: 'shop',
            stage: 'prod',
            throttle: { '/items/GET': { rateLimit: 5, burstLimit: 10 } },
          },
          { apiId: 'shop', stage: 'dev' },
        ],
        throttle: { rateLimit: 100.5, burstLimit: 200 },
        quota: { limit: 1000, period: 'MONTH', offset: 10 },
        keys: [{ fileKey: 'partner' }, { keyId: 'abc123def0' }],
        at: 'usagePlans[0]',
      },
      { name: 'bare', apiStages: [], keys: [], at: 'usagePlans[1]' },
    ]);
  });

  it('covers a WebSocket API stage as the management API does', async () => {
    const result = await load(
      plans(`  - { name: ws, apiStages: [{ restApi: chat, stage: live }], apiKeys: [partner] }\n`),
    );
    expect(result.ok && result.state.usagePlans?.[0]?.apiStages).toEqual([
      { apiId: 'chat', stage: 'live' },
    ]);
  });

  it('lets a key be in two plans that cover different API stages', async () => {
    const result = await load(
      plans(
        `  - { name: a, apiStages: [{ restApi: shop, stage: prod }], apiKeys: [partner] }\n` +
          `  - { name: b, apiStages: [{ restApi: shop, stage: dev }], apiKeys: [partner] }\n`,
      ),
    );
    expect(result.ok && result.state.usagePlans?.map((p) => p.keys)).toEqual([
      [{ fileKey: 'partner' }],
      [{ fileKey: 'partner' }],
    ]);
  });

  it.each([
    [
      'a name declared twice',
      `  - name: a\n  - name: a\n`,
      /^usagePlans\[1\]\.name "a" is also the name of usagePlans\[0\]$/,
    ],
    [
      'an API the file does not declare',
      `  - { name: a, apiStages: [{ restApi: other, stage: prod }] }\n`,
      /^usagePlans\[0\]\.apiStages\[0\]\.restApi "other" is not an API in the file$/,
    ],
    [
      'a stage a WebSocket API does not have',
      `  - { name: a, apiStages: [{ restApi: chat, stage: prod }] }\n`,
      /^usagePlans\[0\]\.apiStages\[0\]\.stage "prod" is not a stage of WebSocket API "chat"$/,
    ],
    [
      'a stage the API does not have',
      `  - { name: a, apiStages: [{ restApi: shop, stage: beta }] }\n`,
      /^usagePlans\[0\]\.apiStages\[0\]\.stage "beta" is not a stage of REST API "shop"$/,
    ],
    [
      'an API stage listed twice',
      `  - { name: a, apiStages: [{ restApi: shop, stage: prod }, { restApi: Shop, stage: prod }] }\n`,
      /^usagePlans\[0\]\.apiStages\[1\] covers shop:prod a second time$/,
    ],
    [
      'a key listed twice',
      `  - { name: a, apiKeys: [partner, partner] }\n`,
      /^usagePlans\[0\]\.apiKeys\[1\] "partner" appears twice$/,
    ],
    [
      'a key in two plans sharing an API stage',
      `  - { name: a, apiStages: [{ restApi: shop, stage: prod }], apiKeys: [partner] }\n` +
        `  - { name: b, apiStages: [{ restApi: shop, stage: dev }, { restApi: shop, stage: prod }], apiKeys: [partner] }\n`,
      /^usagePlans\[1\]\.apiKeys: "partner" is also in usagePlans\[0\], which covers the same API stage shop:prod/,
    ],
    [
      'a quota offset over its limit',
      `  - { name: a, quota: { limit: 5, period: DAY, offset: 6 } }\n`,
      /^usagePlans\[0\]\.quota\.offset 6 is more than its limit$/,
    ],
    ['a quota without a period', `  - { name: a, quota: { limit: 5 } }\n`, /quota/],
    [
      'a quota period AWS has not',
      `  - { name: a, quota: { limit: 5, period: YEAR } }\n`,
      /period/,
    ],
    ['a negative rate', `  - { name: a, throttle: { rateLimit: -1 } }\n`, /rateLimit/],
    ['a fractional burst', `  - { name: a, throttle: { burstLimit: 1.5 } }\n`, /burstLimit/],
    [
      'a method throttle key without a method',
      `  - { name: a, apiStages: [{ restApi: shop, stage: prod, throttle: { /items: { rateLimit: 1 } } }] }\n`,
      /throttle/,
    ],
    ['an unknown field', `  - { name: a, keys: [partner] }\n`, /keys is not a known field/],
  ])('refuses %s, saying where', async (_what, yaml, message) => {
    const result = await load(plans(yaml));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(message);
  });
});

describe('stage throttles in the config file', () => {
  const stage = (fields: string) =>
    `restApis:\n  - definition: api.yaml\n    stages:\n      - name: prod\n${fields}`;

  it('keys the stage default as */* and a method as AWS escapes it', async () => {
    const result = await load(
      stage(
        `        throttle: { rateLimit: 50, burstLimit: 100 }\n` +
          `        methodThrottles:\n          /items/GET: { rateLimit: 5 }\n          //POST: { burstLimit: 1 }\n`,
      ),
    );
    expect(result.ok && result.state.apis[0]?.stages[0]?.throttles).toEqual({
      '*/*': { rateLimit: 50, burstLimit: 100 },
      '~1items/GET': { rateLimit: 5 },
      '~1/POST': { burstLimit: 1 },
    });
  });

  it('declares none when the stage says nothing of throttling', async () => {
    const result = await load(stage(''));
    expect(result.ok && result.state.apis[0]?.stages[0]).not.toHaveProperty('throttles');
  });

  it.each([
    [
      'a method key with no method',
      `        methodThrottles: { /items: { rateLimit: 1 } }\n`,
      /methodThrottles/,
    ],
    ['a negative burst', `        throttle: { burstLimit: -1 }\n`, /burstLimit/],
    ['an unknown throttle field', `        throttle: { rate: 1 }\n`, /rate is not a known field/],
  ])('refuses %s', async (_what, fields, message) => {
    const result = await load(stage(fields));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(message);
  });

  it('refuses throttles on a WebSocket stage, naming it', async () => {
    const result = await load(
      `webSocketApis:\n  - name: chat\n    routes: { $default: { integration: { type: MOCK } } }\n` +
        `    stages: [{ name: live, throttle: { rateLimit: 1 } }]\n`,
    );
    expect(!result.ok && result.error.message).toBe(
      'webSocketApis[0].stages[0]: throttle and methodThrottles are for REST API stages',
    );
  });
});
