import { ConfigError, commonEnvProperties, loadEnv, type CommonEnv } from './load-config';

const schema = {
  type: 'object' as const,
  properties: {
    ...commonEnvProperties,
    EDGE_PORT: { type: 'integer', minimum: 1, maximum: 65535, default: 8080 },
  },
};

describe('loadEnv', () => {
  it('applies defaults and coerces numbers', () => {
    const env = loadEnv<CommonEnv & { EDGE_PORT: number }>(schema, { EDGE_PORT: '9090' });
    expect(env.EDGE_PORT).toBe(9090);
    expect(env.REDIS_COMMAND_TIMEOUT_MS).toBe(1000);
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
  });

  it('names the variable whose value is bad', () => {
    expect(() => loadEnv(schema, { EDGE_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadEnv(schema, { EDGE_PORT: 'eighty' })).toThrow(/EDGE_PORT/);
    expect(() => loadEnv(schema, { REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });

  it('names a missing required variable', () => {
    expect(() => loadEnv({ ...schema, required: ['PORTICO_CONFIG'] }, {})).toThrow(
      /PORTICO_CONFIG is required/,
    );
  });
});
