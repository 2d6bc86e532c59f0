import { ConfigError } from '@portico/platform';
import { loadFunctionRunnerConfig } from './config';

describe('function runner config', () => {
  it('defaults the ops server to 0.0.0.0:9090', () => {
    expect(loadFunctionRunnerConfig({})).toMatchObject({
      NATS_URL: 'nats://127.0.0.1:4222',
      FN_OPS_PORT: 9090,
      FN_OPS_HOST: '0.0.0.0',
    });
  });

  it('takes 0 as "pick a free port" and a host to bind', () => {
    expect(loadFunctionRunnerConfig({ FN_OPS_PORT: '0', FN_OPS_HOST: '127.0.0.1' })).toMatchObject({
      FN_OPS_PORT: 0,
      FN_OPS_HOST: '127.0.0.1',
    });
  });

  it.each([
    ['FN_OPS_PORT', '70000'],
    ['FN_OPS_PORT', 'ninety'],
    ['FN_OPS_PORT', '-1'],
    ['NATS_URL', 'http://nats:4222'],
  ])('stops on %s=%s and names the variable', (variable, value) => {
    let error: unknown;
    try {
      loadFunctionRunnerConfig({ [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
  });
});
