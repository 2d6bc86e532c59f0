import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from './config-file.loader';

const SECRET = 'S'.repeat(40);

async function load(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'portico-credentials-file-'));
  writeFileSync(join(dir, 'portico.yaml'), yaml);
  return (await loadConfigFile(join(dir, 'portico.yaml'), env)).result;
}

const entry = (fields: string) => `credentials:\n  - accessKeyId: PKIAEXAMPLE000000001\n${fields}`;

describe('credentials in the config file', () => {
  it('reads the secret inline or from the named variable, with defaults', async () => {
    const result = await load(
      `${entry(`    secretAccessKeyEnv: MY_SECRET\n    userName: svc\n`)}` +
        `  - accessKeyId: PKIAEXAMPLE000000002\n    secretAccessKey: ${SECRET}\n    userName: other\n` +
        `    enabled: false\n    description: two\n` +
        `    policies:\n      - '{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}'\n`,
      { MY_SECRET: 'E'.repeat(20) },
    );
    expect(result.ok && result.state.credentials).toEqual([
      {
        accessKeyId: 'PKIAEXAMPLE000000001',
        secretAccessKey: 'E'.repeat(20),
        userName: 'svc',
        enabled: true,
        policies: [],
        at: 'credentials[0]',
      },
      {
        accessKeyId: 'PKIAEXAMPLE000000002',
        secretAccessKey: SECRET,
        userName: 'other',
        description: 'two',
        enabled: false,
        policies: [{ Statement: { Effect: 'Deny', Action: '*', Resource: '*' } }],
        at: 'credentials[1]',
      },
    ]);
  });

  it.each([
    [
      'a variable that is not set',
      `    secretAccessKeyEnv: UNSET\n    userName: a\n`,
      /UNSET, which is not set/,
    ],
    [
      'no secret at all',
      `    userName: a\n`,
      /^credentials\[0\] needs one of secretAccessKey and secretAccessKeyEnv$/,
    ],
    [
      'both kinds of secret',
      `    secretAccessKey: ${SECRET}\n    secretAccessKeyEnv: X\n    userName: a\n`,
      /^credentials\[0\] needs one of secretAccessKey and secretAccessKeyEnv$/,
    ],
    [
      'a short secret',
      `    secretAccessKey: short\n    userName: a\n`,
      /^credentials\[0\]: the secret/,
    ],
    ['a bad user name', `    secretAccessKey: ${SECRET}\n    userName: a b\n`, /userName/],
    [
      'a policy the gateway cannot evaluate',
      `    secretAccessKey: ${SECRET}\n    userName: a\n    policies:\n      - Statement: { Effect: Allow, Action: '*', Resource: '*', Principal: '*' }\n`,
      /^credentials\[0\]\.policies\[0\]: Principal is not allowed/,
    ],
    [
      'an id declared twice',
      `    secretAccessKey: ${SECRET}\n    userName: a\n  - accessKeyId: PKIAEXAMPLE000000001\n    secretAccessKey: ${SECRET}\n    userName: b\n`,
      /credentials\[1\]\.accessKeyId "PKIAEXAMPLE000000001" is also the id of credentials\[0\]/,
    ],
  ])('refuses %s, saying where', async (_what, fields, message) => {
    const result = await load(entry(fields));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(message);
  });

  it('never puts the secret in an error message', async () => {
    const secret = 'has a space but is long enough';
    const result = await load(entry(`    secretAccessKey: ${secret}\n    userName: a\n`));
    expect(!result.ok && result.error.message).not.toContain(secret);
  });
});
