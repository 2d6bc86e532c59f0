import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { startInfra, type TestInfra } from '@portico/testing';
import { bootstrap } from '../bootstrap';
import { controlEnv, emptyConfigFile, sdkClient } from './control-harness';

describe('control boot', () => {
  let infra: TestInfra;

  beforeAll(async () => {
    infra = await startInfra();
  });

  afterAll(async () => {
    await infra?.stop();
  });

  it.each([
    ['CONTROL_PORT', 'eighty'],
    ['CONTROL_OPS_PORT', '70000'],
    ['PORTICO_CONFIG_WATCH', 'sometimes'],
    ['PORTICO_DOMAIN', 'not a domain'],
    ['PORTICO_REGION', 'Mars'],
    ['NATS_URL', 'http://127.0.0.1:4222'],
  ])('stops on a bad %s, naming it', async (variable, value) => {
    await expect(bootstrap(controlEnv(infra, { [variable]: value }))).rejects.toThrow(
      new RegExp(`Invalid configuration: ${variable}`),
    );
  });

  it('stops when PORTICO_CONFIG names a file that does not exist', async () => {
    const missing = join(tmpdir(), 'portico-missing', 'nope.yaml');
    await expect(bootstrap(controlEnv(infra, { PORTICO_CONFIG: missing }))).rejects.toThrow(
      /Invalid configuration: PORTICO_CONFIG names .*nope\.yaml, which does not exist/,
    );
  });

  it('stops when PORTICO_CONFIG names an invalid file, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-bad-'));
    writeFileSync(
      join(dir, 'portico.yaml'),
      'restApis:\n  - id: UPPER\n    definition: ./x.yaml\n',
    );
    await expect(
      bootstrap(controlEnv(infra, { PORTICO_CONFIG: join(dir, 'portico.yaml') })),
    ).rejects.toThrow(/PORTICO_CONFIG .*restApis\[0\]\.id must match pattern/);
    writeFileSync(join(dir, 'portico.yaml'), 'restApis:\n  - definition: ./missing.yaml\n');
    await expect(
      bootstrap(controlEnv(infra, { PORTICO_CONFIG: join(dir, 'portico.yaml') })),
    ).rejects.toThrow(/PORTICO_CONFIG .*restApis\[0\]\.definition: cannot read .*missing\.yaml/);
  });

  it('starts with no file-managed APIs when PORTICO_CONFIG is unset and ./portico.yaml is absent', async () => {
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), 'portico-cwd-')));
    try {
      const control = await bootstrap(controlEnv(infra));
      const sdk = sdkClient(control.port);
      try {
        expect((await sdk.send(new GetRestApisCommand({}))).items ?? []).toEqual([]);
        const ready = await fetch(`http://127.0.0.1:${control.opsPort}/readyz`);
        expect(ready.status).toBe(200);
      } finally {
        sdk.destroy();
        await control.close();
      }
    } finally {
      process.chdir(cwd);
    }
  });

  it('binds the management API to loopback by default and serves /healthz on the ops port', async () => {
    const control = await bootstrap(controlEnv(infra, { PORTICO_CONFIG: emptyConfigFile() }));
    try {
      const address = control.app.getHttpServer().address();
      expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
      expect((await fetch(`http://127.0.0.1:${control.opsPort}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${control.port}/healthz`)).status).toBe(404);
    } finally {
      await control.close();
    }
  });
});
