import type { IncomingMessage } from 'node:http';
import { badRequest, forbidden, GatewayError } from '../responses/gateway-error';
import {
  domainPrefixOf,
  normalizeHost,
  resolveTarget,
  type StageDirectory,
} from '../routing/invocation-target';
import {
  BadPathError,
  joinPath,
  resolveDotSegments,
  type SplitPath,
  splitPath,
  splitTarget,
} from '../routing/path-normalizer';
import type { CompiledStage } from '../stages/compiled-stage';
import type { EdgeRequest } from './edge-request';

/** Where a request goes inside its stage. */
export interface Located {
  stage: CompiledStage;
  /** Decoded segments below the stage or base path, dot segments resolved. */
  segments: string[];
  /** The canonical encoded path the router matches (no trailing slash). */
  matchPath: string;
}

/**
 * Reads the request target and Host once, safely, and finds the stage: fills in the request's
 * path, query, domain and stage fields, or returns the gateway error to answer with.
 */
export function locateRequest(
  r: EdgeRequest,
  directory: StageDirectory<CompiledStage>,
  executeApiSuffix: string,
): Located | GatewayError {
  let split: SplitPath;
  let authority: string | undefined;
  try {
    const target = splitTarget(r.target);
    r.fullPath = target.rawPath;
    r.rawQuery = target.rawQuery;
    authority = target.authority;
    split = splitPath(target.rawPath);
  } catch (err) {
    if (err instanceof BadPathError) return badRequest(err.message);
    throw err;
  }

  const hostHeader = hostOf(r.raw, authority);
  if (hostHeader instanceof GatewayError) return hostHeader;
  const host = normalizeHost(hostHeader);
  r.domainName = host;
  r.domainPrefix = domainPrefixOf(host);
  const target = resolveTarget(host, split.segments, directory, executeApiSuffix);
  if (typeof target === 'string') return forbidden(target);
  const stage = target.stage;
  r.compiledStage = stage;
  r.apiId = stage.apiId;
  r.stage = stage.stageName;
  r.deploymentId = stage.deploymentId;
  r.stageVariables = stage.variables;
  r.binaryMediaTypes = stage.binaryMediaTypes as string[];

  const segments = resolveDotSegments(split.segments, target.offset);
  const matchPath = joinPath(segments);
  r.path = split.trailingSlash && segments.length > 0 ? matchPath + '/' : matchPath;
  r.fullPath = target.fullPathPrefix + r.path;
  return { stage, segments, matchPath };
}

/**
 * The host the request names. RFC 9112 §3.2: an HTTP/1.1 request needs exactly one Host header
 * (two could be read differently by a proxy in front, which is how routing confusion starts),
 * and an absolute-form target's authority takes precedence over the header.
 */
function hostOf(raw: IncomingMessage, authority: string | undefined): string | GatewayError {
  const rawHeaders = raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') count++;
  }
  if (count > 1) return badRequest('more than one Host header');
  if (authority !== undefined) return authority;
  if (count === 0 && raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1) {
    return badRequest('no Host header');
  }
  return raw.headers.host ?? '';
}
