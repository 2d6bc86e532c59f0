import { encodeSegment, joinPath } from './path-normalizer';

/** What resolution needs to know of a compiled stage. */
export interface TargetStage {
  readonly apiId: string;
  readonly stageName: string;
  readonly disableExecuteApiEndpoint: boolean;
}

export interface BasePathMappingRef {
  /** Decoded segments; empty for `(none)`, the domain root. */
  readonly basePath: readonly string[];
  readonly restApiId: string;
  readonly stage: string;
}

export interface DomainRef {
  /** Longest base path first, so the most specific mapping wins. */
  readonly mappings: readonly BasePathMappingRef[];
}

export interface StageDirectory<S extends TargetStage> {
  stage(apiId: string, stageName: string): S | undefined;
  /** `host` is normalised (lower case, no port). */
  domain(host: string): DomainRef | undefined;
}

export type InvocationForm = 'execute-api' | 'domain' | 'path';

export interface InvocationTarget<S extends TargetStage> {
  stage: S;
  form: InvocationForm;
  /** Index of the first path segment below the stage or base path. */
  offset: number;
  /** What precedes the resource path in `$context.path`: `/prod`, `/v1`, or ''. */
  fullPathPrefix: string;
}

const PATH_STYLE_ROOT = 'restapis';
const PATH_STYLE_MARK = '_user_request_';

/**
 * Which stage a request is for, in API Gateway's three invocation forms:
 * path-style `/restapis/{id}/{stage}/_user_request_/…` on any host; `{id}.execute-api.{domain}`
 * with `/{stage}/…`; and custom domain names with base path mappings (longest base path wins,
 * `(none)` maps the root, the stage comes from the mapping). Returns the reason as a string
 * when the answer is 403 Forbidden. `disableExecuteApiEndpoint` closes the first two forms.
 */
export function resolveTarget<S extends TargetStage>(
  host: string,
  segments: readonly string[],
  directory: StageDirectory<S>,
  executeApiSuffix: string,
): InvocationTarget<S> | string {
  if (segments[0] === PATH_STYLE_ROOT && segments[3] === PATH_STYLE_MARK) {
    return viaExecuteApi(directory.stage(segments[1]!, segments[2]!), 'path', 4);
  }
  if (host.endsWith(executeApiSuffix)) {
    const apiId = host.slice(0, host.length - executeApiSuffix.length);
    if (apiId !== '' && apiId.indexOf('.') === -1) {
      const stageName = segments[0];
      if (stageName === undefined) return 'no stage in path';
      return viaExecuteApi(directory.stage(apiId, stageName), 'execute-api', 1);
    }
  }
  const domain = directory.domain(host);
  if (domain) {
    for (const m of domain.mappings) {
      if (!startsWith(segments, m.basePath)) continue;
      const stage = directory.stage(m.restApiId, m.stage);
      if (!stage) return 'base path mapping points at a stage that is not deployed';
      return {
        stage,
        form: 'domain',
        offset: m.basePath.length,
        fullPathPrefix: m.basePath.length === 0 ? '' : joinPath(m.basePath),
      };
    }
    return 'no base path mapping matches';
  }
  return 'unknown host';
}

function viaExecuteApi<S extends TargetStage>(
  stage: S | undefined,
  form: InvocationForm,
  offset: number,
): InvocationTarget<S> | string {
  if (!stage) return 'unknown API or stage';
  if (stage.disableExecuteApiEndpoint) return 'execute-api endpoint is disabled';
  return { stage, form, offset, fullPathPrefix: '/' + encodeSegment(stage.stageName) };
}

function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > segments.length) return false;
  for (let i = 0; i < prefix.length; i++) if (segments[i] !== prefix[i]) return false;
  return true;
}

/** The Host header as a lookup key: lower case, without port or trailing dot. */
export function normalizeHost(header: string | undefined): string {
  if (!header) return '';
  let host = header;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    host = close === -1 ? host : host.slice(0, close + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}

/** `$context.domainPrefix`: the first label of the host (the API id for execute-api hosts). */
export function domainPrefixOf(host: string): string {
  if (host.charCodeAt(0) === 91 || /^[0-9.]+$/.test(host)) return host;
  const dot = host.indexOf('.');
  return dot === -1 ? host : host.slice(0, dot);
}

/** `(none)` and `''` map the root; other base paths may have several segments (`v1/orders`). */
export function basePathSegments(basePath: string): string[] {
  if (basePath === '(none)') return [];
  return basePath.split('/').filter((s) => s !== '');
}
