import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from './config-file.loader';

const VALUE = 'v'.repeat(30);

async function load(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'portico-apikeys-file-'));
  writeFileSync(
    join(dir, 'api.yaml'),
    `openapi: 3.0.1\ninfo: { title: Shop, version: '1' }\npaths:\n  /items:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n`,
  );
  writeFileSync(join(dir, 'portico.yaml'), yaml);
  return (await loadConfigFile(join(dir, 'portico.yaml'), env)).result;
}

const API = `restApis:\n  - definition: api.yaml\n    stages: [{ name: prod }, { name: dev }]\n`;
const entry = (fields: string) => `${API}apiKeys:\n  - name: partner\n${fields}`;

describe('API keys in the config file', () => {
  it('reads the value inline or from the named variable, with defaults and stage keys', async () => {
    const result = await load(
      entry(
        `    valueEnv: PARTNER_KEY\n    stageKeys:\n      - { restApi: Shop, stage: prod }\n      - { restApi: shop, stage: dev }\n`,
      ) +
        `  - name: local\n    value: ${VALUE}\n    enabled: false\n    description: for tests\n    customerId: c-1\n`,
      { PARTNER_KEY: 'E'.repeat(128) },
    );
    expect(result.ok && result.state.apiKeys).toEqual([
      {
        name: 'partner',
        value: 'E'.repeat(128),
        enabled: true,
        stageKeys: ['shop/dev', 'shop/prod'],
        at: 'apiKeys[0]',
      },
      {
        name: 'local',
        value: VALUE,
        description: 'for tests',
        enabled: false,
        customerId: 'c-1',
        stageKeys: [],
        at: 'apiKeys[1]',
      },
    ]);
  });

  it.each([
    ['a variable that is not set', `    valueEnv: UNSET\n`, /UNSET, which is not set/],
    ['no value at all', `    enabled: true\n`, /^apiKeys\[0\] needs one of value and valueEnv$/],
    [
      'both kinds of value',
      `    value: ${VALUE}\n    valueEnv: X\n`,
      /^apiKeys\[0\] needs one of value and valueEnv$/,
    ],
    [
      'a value of 29 characters',
      `    value: ${'v'.repeat(29)}\n`,
      /^apiKeys\[0\]: the key's value/,
    ],
    [
      'a value of 129 characters',
      `    value: ${'v'.repeat(129)}\n`,
      /^apiKeys\[0\]: the key's value/,
    ],
    [
      'a name declared twice',
      `    value: ${VALUE}\n  - name: partner\n    value: ${VALUE}x\n`,
      /^apiKeys\[1\]\.name "partner" is also the name of apiKeys\[0\]$/,
    ],
    [
      'a stage key naming an API the file does not declare',
      `    value: ${VALUE}\n    stageKeys: [{ restApi: other, stage: prod }]\n`,
      /^apiKeys\[0\]\.stageKeys\[0\]\.restApi "other" is not a REST API in the file$/,
    ],
    [
      'a stage key naming a stage the API does not have',
      `    value: ${VALUE}\n    stageKeys: [{ restApi: shop, stage: beta }]\n`,
      /^apiKeys\[0\]\.stageKeys\[0\]\.stage "beta" is not a stage of REST API "shop"$/,
    ],
    [
      'an unknown field',
      `    value: ${VALUE}\n    usagePlan: gold\n`,
      /usagePlan is not a known field/,
    ],
  ])('refuses %s, saying where', async (_what, fields, message) => {
    const result = await load(entry(fields));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(message);
  });

  it('never puts the value in an error message', async () => {
    const value = 'has a space but is long enough to be a key';
    const result = await load(entry(`    value: ${value}\n`));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).not.toContain(value);
  });
});
