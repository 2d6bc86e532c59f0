import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createRuntime, type RunningService, startService } from '@portico/platform';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { answerFrameworkError } from './common/aws-error.filter';
import { loadControlConfig } from './config';
import { ControlModule } from './control.module';

/** AWS caps an imported API definition at 6 MB; bodies beyond that are refused. */
const BODY_LIMIT_BYTES = 6 * 1024 * 1024;
/**
 * Longest path parameter the router takes. Fastify's default (100) is shorter than names AWS
 * allows: stage names (128 characters) and domain names (253).
 */
const MAX_PARAM_LENGTH = 1024;

/**
 * Starts control: the management API, the config-file deployer and the event publisher.
 * Without `env` it reads the process environment (through config.ts, the only reader).
 */
export async function bootstrap(env?: NodeJS.ProcessEnv): Promise<RunningService> {
  const config = loadControlConfig(env);
  const runtime = await createRuntime('control', config.common, { nats: true, redis: true });
  return startService({
    runtime,
    module: ControlModule.forRoot(config, runtime),
    host: config.host,
    port: config.port,
    opsHost: config.opsHost,
    opsPort: config.opsPort,
    shutdownTimeoutMs: config.common.SHUTDOWN_TIMEOUT_MS,
    fastify: {
      bodyLimit: BODY_LIMIT_BYTES,
      genReqId: () => randomUUID(),
      routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
      frameworkErrors: answerFrameworkError,
    },
    configure: configureHttp,
  });
}

function configureHttp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  // Every body arrives as bytes: ImportRestApi takes JSON or YAML under any content type, and
  // JSON operations parse their own bodies so a bad one is AWS's BadRequestException.
  fastify.removeAllContentTypeParsers();
  app.useBodyParser('*', { bodyLimit: BODY_LIMIT_BYTES });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-amzn-RequestId', request.id);
    done();
  });
}
