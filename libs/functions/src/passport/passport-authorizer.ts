import { createPinoLogger } from '@portico/platform';
import type { LambdaContext } from '../lambda.types';
import {
  type AuthorizerEvent,
  authorizerRequest,
  type AuthorizerRequest,
} from './authorizer-request';

/**
 * What a passport strategy is to this module: passport-strategy's `Strategy` contract, an
 * `authenticate(req, options)` that ends by calling one of the actions passport adds to the
 * strategy (`success`, `fail`, `error`, `redirect`, `pass`). Any subclass of passport-strategy's
 * `Strategy` fits.
 */
export interface PassportStrategyLike {
  name?: string | undefined;
  /**
   * Typed by each strategy's package for Express's request (`never` here accepts them all); it
   * is called with an AuthorizerRequest, which has the fields strategies read.
   */
  authenticate(req: never, options?: never): unknown;
}

type Authenticate = (req: AuthorizerRequest, options?: unknown) => unknown;

/** An IAM policy as API Gateway expects an authorizer to return it. */
export interface AuthorizerPolicy {
  Version: '2012-10-17';
  Statement: Array<{ Action: 'execute-api:Invoke'; Effect: 'Allow'; Resource: string[] }>;
}

export interface AuthorizerResponse {
  principalId: string;
  policyDocument: AuthorizerPolicy;
  context: Record<string, string | number | boolean>;
  usageIdentifierKey?: string;
}

export interface PassportAuthorizerOptions<TUser = unknown> {
  /** Passed to `strategy.authenticate(req, options)` (`{ scope }`, `{ session: false }` …). */
  authenticateOptions?: unknown;
  /** The principal; default `user.id ?? user.sub ?? user.username` (a string or number user as is). */
  principalId?: (user: TUser) => string | number | undefined;
  /**
   * What the integration gets in `requestContext.authorizer`; default none, so that nothing of
   * the user (a password hash, a token) is sent on by accident. Values are flattened: strings,
   * numbers and booleans kept, objects and arrays JSON-stringified, null and undefined dropped.
   */
  context?: (user: TUser, info: unknown) => Record<string, unknown> | undefined;
  /**
   * The ARNs the Allow policy names; default the whole stage, `arn:…:{apiId}/{stage}/*`: API
   * Gateway caches the policy per identity for the authorizer's TTL and evaluates that cached
   * policy for every method the identity calls, so a policy naming only this request's method
   * ARN would answer 403 to the same token's next call to another method.
   */
  resource?: (event: AuthorizerEvent, user: TUser) => string | string[];
  /** The API key for usage plans when the API's key source is AUTHORIZER. */
  usageIdentifierKey?: (user: TUser) => string | undefined;
  /**
   * How long the strategy may take to call back; default 5000 ms, and never beyond the
   * invocation's remaining time, so a silent strategy ends as a clear error (500 on the edge).
   */
  timeoutMs?: number;
  logger?: { warn(fields: object, message: string): void };
}

/** A strategy that could not decide: the edge answers 500, never 401 or an Allow. */
export class PassportAuthorizerError extends Error {
  override name = 'PassportAuthorizerError';
}

type Outcome =
  | { kind: 'success'; user: unknown; info: unknown }
  | { kind: 'fail'; challenge: unknown; status: number | undefined }
  | { kind: 'error'; error: unknown }
  | { kind: 'redirect'; status: number | undefined }
  | { kind: 'pass' }
  | { kind: 'timeout' };

const DEFAULT_TIMEOUT_MS = 5_000;
/** Left of the invocation's budget so the reply still reaches the edge before its deadline. */
const REPLY_MARGIN_MS = 50;

/**
 * A function-runner (Lambda) handler for a TOKEN or REQUEST authorizer that runs `strategy`
 * over a request made from the event: `success` allows, `fail` is `Unauthorized` (401);
 * `error`, `redirect`, `pass`, silence past the timeout or a user with no principal throw a
 * `PassportAuthorizerError` (500).
 */
export function passportAuthorizer<TUser = unknown>(
  strategy: PassportStrategyLike,
  options: PassportAuthorizerOptions<TUser> = {},
): (event: unknown, context?: Partial<LambdaContext>) => Promise<AuthorizerResponse> {
  const strategyName = strategy.name ?? 'passport';
  let defaultLogger: PassportAuthorizerOptions['logger'];
  const logger = () =>
    options.logger ?? (defaultLogger ??= createPinoLogger('passport-authorizer', 'info'));
  const broken = (message: string, fields: object = {}): PassportAuthorizerError => {
    logger().warn({ strategy: strategyName, ...fields }, message);
    return new PassportAuthorizerError(`${strategyName}: ${message}`);
  };

  return async (event, context) => {
    let req: AuthorizerRequest;
    try {
      req = authorizerRequest(event);
    } catch (err) {
      throw broken(err instanceof Error ? err.message : String(err));
    }
    const remaining = context?.getRemainingTimeInMillis?.() ?? Infinity;
    const timeoutMs = Math.max(
      0,
      Math.min(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, remaining - REPLY_MARGIN_MS),
    );
    const outcome = await authenticate(strategy, req, options.authenticateOptions, timeoutMs);
    switch (outcome.kind) {
      case 'success':
        break;
      case 'fail':
        // Exactly this message: the edge's 401, as for an AWS authorizer.
        throw new Error('Unauthorized');
      case 'error': {
        const why = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
        throw broken(`strategy error: ${why}`);
      }
      case 'redirect':
        throw broken(`strategy redirected (${outcome.status ?? 302}), which an authorizer cannot`);
      case 'pass':
        throw broken('strategy passed without deciding');
      case 'timeout':
        throw broken(
          `strategy called none of success, fail, error, redirect, pass within ${timeoutMs} ms`,
        );
    }
    const { user, info } = outcome;
    const principal = (options.principalId ?? defaultPrincipalId)(user as TUser);
    if (principal === undefined || principal === null || String(principal) === '') {
      throw broken('the authenticated user has no principal id (set principalId)');
    }
    const resources = options.resource
      ? [options.resource(event as AuthorizerEvent, user as TUser)].flat()
      : [stageArn((event as AuthorizerEvent).methodArn)];
    if (resources.length === 0 || resources.some((r) => typeof r !== 'string' || r === '')) {
      throw broken('nothing to allow: the event has no methodArn, or resource() gave no ARN');
    }
    const usage = options.usageIdentifierKey?.(user as TUser);
    let flat: AuthorizerResponse['context'];
    try {
      flat = flattenContext(options.context?.(user as TUser, info));
    } catch (err) {
      throw broken(
        `the context option failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return {
      principalId: String(principal),
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources }],
      },
      context: flat,
      ...(usage ? { usageIdentifierKey: usage } : {}),
    };
  };
}

/**
 * Runs one authentication the way passport's middleware does: a fresh object whose prototype
 * is the strategy, with the actions added, so concurrent requests never share them. The first
 * action settles; later ones are ignored.
 */
function authenticate(
  strategy: PassportStrategyLike,
  req: AuthorizerRequest,
  authenticateOptions: unknown,
  timeoutMs: number,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
    const attempt = Object.create(strategy) as PassportStrategyLike & Record<string, unknown>;
    attempt.success = (user: unknown, info?: unknown) =>
      // passport treats a falsy user as no user: never an Allow.
      settle(
        user ? { kind: 'success', user, info } : { kind: 'fail', challenge: info, status: 401 },
      );
    attempt.fail = (challenge?: unknown, status?: unknown) =>
      settle({
        kind: 'fail',
        challenge,
        status:
          typeof challenge === 'number'
            ? challenge
            : typeof status === 'number'
              ? status
              : undefined,
      });
    attempt.error = (error: unknown) => settle({ kind: 'error', error });
    attempt.redirect = (_url: unknown, status?: unknown) =>
      settle({ kind: 'redirect', status: typeof status === 'number' ? status : undefined });
    attempt.pass = () => settle({ kind: 'pass' });
    try {
      const returned = (attempt.authenticate as Authenticate).call(
        attempt,
        req,
        authenticateOptions,
      );
      // An async authenticate that rejects never calls an action.
      if (returned instanceof Promise)
        returned.catch((error: unknown) => settle({ kind: 'error', error }));
    } catch (error) {
      settle({ kind: 'error', error });
    }
  });
}

function defaultPrincipalId(user: unknown): string | number | undefined {
  if (typeof user === 'string' || typeof user === 'number') return user;
  if (typeof user !== 'object' || user === null) return undefined;
  const u = user as Record<string, unknown>;
  for (const key of ['id', 'sub', 'username']) {
    const value = u[key];
    if (typeof value === 'string' || typeof value === 'number') return value;
  }
  return undefined;
}

/** `arn:…:{apiId}/{stage}/{METHOD}/{path}` → `arn:…:{apiId}/{stage}/*`. */
function stageArn(methodArn: unknown): string {
  if (typeof methodArn !== 'string' || methodArn === '') return '';
  const [api, stage] = methodArn.split('/');
  return stage === undefined ? methodArn : `${api}/${stage}/*`;
}

/**
 * API Gateway refuses an authorizer context with values other than strings, numbers and
 * booleans; objects and arrays are JSON-stringified so nothing is lost silently.
 */
export function flattenContext(
  context: Record<string, unknown> | undefined,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(context ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'number') out[key] = Number.isFinite(value) ? value : String(value);
    else if (typeof value === 'bigint') out[key] = value.toString();
    else if (typeof value === 'object') out[key] = JSON.stringify(value);
    // functions and symbols carry nothing a backend could read
  }
  return out;
}
