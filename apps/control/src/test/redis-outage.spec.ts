import { GetRestApisCommand, ImportRestApiCommand } from '@aws-sdk/client-api-gateway';
import type { RunningService } from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { bootstrap } from '../bootstrap';
import { controlEnv, emptyConfigFile, sdkClient } from './control-harness';

/** Redis going away turns into fast 503s, and control recovers when it returns. */
describe('control with Redis down', () => {
  let infra: TestInfra;
  let control: RunningService;

  beforeAll(async () => {
    infra = await startInfra();
    control = await bootstrap(
      controlEnv(infra, { PORTICO_CONFIG: emptyConfigFile(), REDIS_COMMAND_TIMEOUT_MS: '200' }),
    );
  });

  afterAll(async () => {
    await control?.close();
    await infra?.stop();
  });

  it('answers ServiceUnavailableException while Redis is down and recovers after', async () => {
    if (infra.source === 'env') return; // an external Redis cannot be stopped by a test
    const sdk = sdkClient(control.port);
    try {
      await infra.stopRedis();
      const res = await fetch(`http://127.0.0.1:${control.port}/restapis`);
      expect(res.status).toBe(503);
      expect(res.headers.get('x-amzn-errortype')).toBe('ServiceUnavailableException');
      expect(await res.json()).toEqual({ message: expect.stringContaining('unavailable') });
      const ready = await fetch(`http://127.0.0.1:${control.opsPort}/readyz`);
      expect(ready.status).toBe(503);

      await infra.startRedis();
      await eventually(async () =>
        expect((await sdk.send(new GetRestApisCommand({}))).items ?? []).toEqual([]),
      );
      const body = Buffer.from(
        '{"openapi":"3.0.1","info":{"title":"Back","version":"1"},"paths":{}}',
      );
      expect((await sdk.send(new ImportRestApiCommand({ body }))).name).toBe('Back');
    } finally {
      sdk.destroy();
    }
  });
});
