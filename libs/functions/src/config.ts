import { commonEnvProperties, loadEnv } from '@portico/platform';

/** The function runner's environment: where NATS is, how much to log, how long a drain may take. */
export interface FunctionRunnerEnv {
  NATS_URL: string;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
}

export function loadFunctionRunnerConfig(env: NodeJS.ProcessEnv = process.env): FunctionRunnerEnv {
  return loadEnv<FunctionRunnerEnv>(
    {
      type: 'object',
      properties: {
        NATS_URL: commonEnvProperties.NATS_URL,
        LOG_LEVEL: commonEnvProperties.LOG_LEVEL,
        SHUTDOWN_TIMEOUT_MS: commonEnvProperties.SHUTDOWN_TIMEOUT_MS,
      },
    },
    env,
  );
}
