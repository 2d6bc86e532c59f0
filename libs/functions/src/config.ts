import { commonEnvProperties, loadEnv } from '@portico/platform';

/** The function runner's environment: where NATS is, its ops port, logging, drain time. */
export interface FunctionRunnerEnv {
  NATS_URL: string;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
  /** /healthz, /readyz and /metrics; 0 picks a free port. */
  FN_OPS_PORT: number;
  FN_OPS_HOST: string;
}

export const DEFAULT_FN_OPS_PORT = 9090;

/** Validates the runner's environment; a bad value throws a ConfigError naming the variable. */
export function loadFunctionRunnerConfig(env: NodeJS.ProcessEnv = process.env): FunctionRunnerEnv {
  return loadEnv<FunctionRunnerEnv>(
    {
      type: 'object',
      properties: {
        NATS_URL: commonEnvProperties.NATS_URL,
        LOG_LEVEL: commonEnvProperties.LOG_LEVEL,
        SHUTDOWN_TIMEOUT_MS: commonEnvProperties.SHUTDOWN_TIMEOUT_MS,
        FN_OPS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: DEFAULT_FN_OPS_PORT },
        FN_OPS_HOST: { type: 'string', minLength: 1, default: '0.0.0.0' },
      },
    },
    env,
  );
}
