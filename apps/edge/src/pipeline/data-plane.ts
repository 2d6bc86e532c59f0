import { METHODS, type Server } from 'node:http';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import type { PinoLogger } from '@portico/platform';
import type { EdgeConfig } from '../config';
import { createClientErrorHandler } from './client-errors';
import { REQUEST_TARGET, type TargetCarrier } from './edge-request';
import type { RequestPipeline } from './request-pipeline.service';

/** The one route every request reaches; see dataPlaneServerOptions. */
const CATCH_ALL = '/';

/**
 * Fastify settings for the data port. The pipeline parses request targets itself (one
 * normaliser, API Gateway's rules), so every URL is rewritten to the single catch-all route
 * before Fastify's router looks at it: nothing is decoded twice, and targets Fastify would refuse
 * (bad escapes, absolute-form) still get API Gateway's answers. The original target is kept
 * under a symbol (`originalUrl` is rewritten by Nest's middleware engine). Draining requests are
 * served (with `Connection: close`), not refused.
 */
export function dataPlaneServerOptions(
  config: EdgeConfig,
  logger: PinoLogger,
): FastifyHttpOptions<Server> {
  return {
    rewriteUrl: (req) => {
      (req as TargetCarrier)[REQUEST_TARGET] = req.url;
      return CATCH_ALL;
    },
    return503OnClosing: false,
    http: { maxHeaderSize: config.MAX_HEADER_BYTES },
    clientErrorHandler: createClientErrorHandler(logger, config.MAX_HEADER_BYTES),
  };
}

/**
 * Registers the catch-all route on the Nest app's Fastify instance, outside Nest's controllers,
 * pipes and interceptors. Bodies are not parsed: the '*' parser hands the raw stream over
 * untouched and the integration reads or streams it.
 */
export function registerDataPlane(fastify: FastifyInstance, pipeline: RequestPipeline): void {
  // Every method Node parses reaches the pipeline (and gets API Gateway's answer), not a Fastify 404.
  for (const method of METHODS) {
    if (method !== 'CONNECT' && !fastify.supportedMethods.includes(method)) {
      fastify.addHttpMethod(method, { hasBody: true });
    }
  }
  const methods = fastify.supportedMethods.filter((m) => m !== 'CONNECT');
  // An encapsulated context, so the parsers Nest registers on the root do not apply here.
  void fastify.register((instance, _opts, done) => {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', (_request, _payload, parsed) => parsed(null));
    instance.setErrorHandler((err, request, reply) => {
      reply.hijack();
      pipeline.handleFrameworkError(
        err instanceof Error ? err : new Error(String(err)),
        request.raw,
        reply.raw,
      );
    });
    instance.route({
      method: methods,
      url: CATCH_ALL,
      exposeHeadRoute: false,
      handler: (request, reply) => {
        reply.hijack();
        pipeline.handle(request.raw, reply.raw);
      },
    });
    done();
  });
}
