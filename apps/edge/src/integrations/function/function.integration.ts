import {
  DEADLINE_HEADER,
  FUNCTION_NAME_PATTERN,
  functionInvokeSubject,
  type FunctionInvokeReply,
  REQUEST_ID_HEADER,
} from '@portico/contracts';
import { functionNameFromUri, type Integration } from '@portico/definitions';
import type { Logger as PinoLogger } from 'pino';
import { ErrorCode, headers as natsHeaders, type Msg, type NatsConnection, NatsError } from 'nats';
import { resolveStageVariables } from '../http/integration-uri';
import { configurationError, integrationError, timeoutError } from '../integration-errors';
import {
  IntegrationFailure,
  type InvocationRequest,
  type InvocationResponse,
} from '../integration.types';
import { buildProxyEvent } from './proxy-event';
import { convertProxyResult } from './proxy-response';
import { buildWebSocketEvent, convertWebSocketResult } from './websocket-event';

const UNAVAILABLE_CODES = new Set<string>([
  ErrorCode.NoResponders,
  ErrorCode.ConnectionClosed,
  ErrorCode.ConnectionDraining,
  ErrorCode.Disconnect,
]);

/**
 * AWS_PROXY: the Lambda proxy event goes to the named function over NATS request-reply (a
 * queue group of function runners); the reply must be a Lambda proxy response.
 */
export class FunctionIntegration {
  constructor(
    private readonly nc: NatsConnection | null,
    private readonly logger: PinoLogger,
    private readonly defaultAccountId: string,
  ) {}

  async invoke(integration: Integration, req: InvocationRequest): Promise<InvocationResponse> {
    const uri = resolveStageVariables(integration.uri ?? '', req.stageVariables);
    const name = functionNameFromUri(uri);
    if (!name || !FUNCTION_NAME_PATTERN.test(name)) {
      throw configurationError(`Integration URI names no valid function: ${uri}`);
    }
    const method = integration.httpMethod?.toUpperCase();
    if (method !== undefined && method !== 'POST') {
      // API Gateway invokes Lambda with POST only and fails any other integration method.
      throw configurationError(
        `AWS_PROXY integration uses ${method}; functions are invoked with POST`,
      );
    }
    if (!this.nc) {
      throw new IntegrationFailure(
        'INTEGRATION_FAILURE',
        503,
        'No NATS connection for functions',
        'Service Unavailable',
      );
    }
    const body = req.body.empty ? undefined : await req.body.readAll();
    const event = req.webSocket
      ? buildWebSocketEvent(req, req.webSocket, body)
      : buildProxyEvent(req, body, req.accountId || this.defaultAccountId);
    const payload = Buffer.from(JSON.stringify(event));
    const timeout = integration.timeoutInMillis;
    const h = natsHeaders();
    h.set(REQUEST_ID_HEADER, req.requestId);
    h.set(DEADLINE_HEADER, String(Date.now() + timeout));

    const started = performance.now();
    let reply: Msg;
    try {
      reply = await untilAborted(
        this.nc.request(functionInvokeSubject(name), payload, { timeout, headers: h }),
        req.signal,
      );
    } catch (err) {
      throw natsFailure(err, name, timeout);
    }
    const integrationLatencyMs = performance.now() - started;

    const log = { requestId: req.requestId, function: name };
    let parsed: FunctionInvokeReply;
    try {
      parsed = JSON.parse(reply.string()) as FunctionInvokeReply;
    } catch (err) {
      this.logger.warn({ ...log, err }, 'Function runner reply is not JSON');
      throw integrationError(`Function ${name} sent a reply that is not JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || typeof parsed.ok !== 'boolean') {
      this.logger.warn(log, 'Function runner reply has no ok field');
      throw integrationError(`Function ${name} sent a malformed reply`);
    }
    if (!parsed.ok && parsed.error?.code === 'Unavailable') {
      // The runner was full when this reached it (before the server saw it leave the queue
      // group): the same answer as no-responders when every runner is full.
      throw unavailable(name, 'runner full');
    }
    if (!parsed.ok && parsed.error?.code === 'FunctionTimeout') {
      // The runner gave up at the same deadline the edge waits for; its reply can win the race.
      throw timeoutError(
        `Function ${name} did not finish within ${integration.timeoutInMillis} ms`,
      );
    }
    if (!parsed.ok) {
      this.logger.warn(
        { ...log, errorType: parsed.error?.errorType, errorMessage: parsed.error?.message },
        'Function failed',
      );
      throw integrationError(
        `Function ${name} failed: ${parsed.error?.message ?? 'unknown error'}`,
      );
    }
    if (req.webSocket) {
      const converted = convertWebSocketResult(parsed.result);
      if (typeof converted === 'string') {
        this.logger.warn({ ...log, problem: converted }, 'Malformed WebSocket route result');
        throw integrationError(`Malformed result from ${name}: ${converted}`);
      }
      return { ...converted, integrationLatencyMs };
    }
    const check = convertProxyResult(parsed.result, {
      accept: req.headers.accept?.[0],
      binaryMediaTypes: req.binaryMediaTypes,
    });
    if (!check.ok) {
      this.logger.warn({ ...log, problem: check.problem }, 'Malformed Lambda proxy response');
      throw integrationError(`Malformed Lambda proxy response from ${name}: ${check.problem}`);
    }
    const { statusCode, headers, body: responseBody } = check.value;
    // AWS answers application/json when a proxy response names no content type.
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
    return { statusCode, headers, body: responseBody, integrationLatencyMs };
  }
}

class ClientAborted extends Error {}

/** nats.js requests take no signal; stop waiting (the runner finishes on its own) when the client leaves. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ClientAborted('Client went away'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ClientAborted('Client went away'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function natsFailure(err: unknown, name: string, timeout: number): IntegrationFailure {
  if (err instanceof ClientAborted) return integrationError(`Client went away while ${name} ran`);
  const code = err instanceof NatsError ? err.code : undefined;
  if (code === ErrorCode.Timeout) {
    return timeoutError(`Function ${name} did not answer within ${timeout} ms`);
  }
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) {
    return unavailable(name, code === ErrorCode.NoResponders ? 'no runner' : code);
  }
  if (code === ErrorCode.MaxPayloadExceeded) {
    return new IntegrationFailure(
      'REQUEST_TOO_LARGE',
      413,
      `Event for ${name} exceeds the NATS payload limit`,
      'Request Too Long',
    );
  }
  return integrationError(
    `Invoking ${name} failed: ${err instanceof Error ? err.message : String(err)}`,
  );
}

/** 503, as for a Lambda that cannot be invoked now; `INTEGRATION_FAILURE` can restyle it. */
function unavailable(name: string, why: string): IntegrationFailure {
  return new IntegrationFailure(
    'INTEGRATION_FAILURE',
    503,
    `Function ${name} is unavailable (${why})`,
    'Service Unavailable',
  );
}
