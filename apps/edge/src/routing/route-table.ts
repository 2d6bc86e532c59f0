import Router, { type HTTPMethod, type HTTPVersion, type Instance } from 'find-my-way';
import { HTTP_METHODS, type Method, type Resource } from '@portico/definitions';
import { encodeSegment } from './path-normalizer';

export class RouteCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouteCompileError';
  }
}

interface ParamSpec {
  name: string;
  /** Index of the segment below the stage where the parameter starts. */
  index: number;
  greedy: boolean;
}

/** One method of one resource: what a request resolves to. */
export interface RouteEntry {
  readonly resourceId: string;
  /** The resource path template, e.g. `/pets/{id}`; bounded, so it is safe as a metric label. */
  readonly resourcePath: string;
  /** The method key that answers (may be `ANY`). */
  readonly methodKey: string;
  readonly method: Method;
  readonly params: readonly ParamSpec[];
}

export interface RouteMatch {
  entry: RouteEntry;
  /** Decoded values; a greedy `{proxy+}` yields the rest of the path without a leading slash. */
  pathParameters: Record<string, string>;
}

const PARAM = /^\{([A-Za-z0-9_.-]+)\}$/;
const GREEDY = /^\{([A-Za-z0-9_.-]+)\+\}$/;
const LITERAL = /^[^{}*/]+$/;
const noop = (): void => undefined;

/**
 * A deployment's resources compiled into a radix router (find-my-way), one tree per method.
 * Lookup is O(path length) however many routes there are. Precedence is API Gateway's: a
 * literal segment beats `{param}`, which beats greedy `{proxy+}`, with backtracking; routing is
 * on the resource+method pair, so a resource that lacks the verb lets a less specific resource
 * (typically `{proxy+}` with ANY) answer. `ANY` answers every method the resource does not
 * define itself. HEAD is a method of its own, as in API Gateway: it does not fall back to GET.
 */
export class RouteTable {
  private constructor(
    private readonly router: Instance<HTTPVersion.V1>,
    /** Number of resource+method pairs. */
    readonly size: number,
  ) {}

  static compile(resources: readonly Resource[]): RouteTable {
    const router = Router({ caseSensitive: true, maxParamLength: 65535 });
    let size = 0;
    for (const resource of resources) {
      const { pattern, params } = compileTemplate(resource.path);
      const own = new Set(Object.keys(resource.methods));
      for (const [key, method] of Object.entries(resource.methods)) {
        if (!method) continue;
        const methods = key === 'ANY' ? HTTP_METHODS.filter((m) => !own.has(m)) : [key];
        if (key !== 'ANY' && !(HTTP_METHODS as readonly string[]).includes(key)) {
          throw new RouteCompileError(`Unsupported method ${key} on ${resource.path}`);
        }
        if (methods.length === 0) continue;
        const entry: RouteEntry = {
          resourceId: resource.id,
          resourcePath: resource.path,
          methodKey: key,
          method,
          params,
        };
        try {
          router.on(methods as HTTPMethod[], pattern, noop, entry);
        } catch (err) {
          throw new RouteCompileError(
            `Cannot route ${key} ${resource.path}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
        size++;
      }
    }
    return new RouteTable(router, size);
  }

  /**
   * @param matchPath the canonical encoded path below the stage, without a trailing slash
   * @param segments the same path's decoded segments
   */
  match(
    httpMethod: string,
    matchPath: string,
    segments: readonly string[],
  ): RouteMatch | undefined {
    const found = this.router.find(httpMethod as HTTPMethod, matchPath);
    if (found === null) return undefined;
    const entry = found.store as RouteEntry;
    const pathParameters: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const p of entry.params) {
      if (p.greedy) {
        // `{proxy+}` needs at least one segment: it never matches its bare parent path.
        if (p.index >= segments.length) return undefined;
        pathParameters[p.name] =
          p.index === segments.length - 1 ? segments[p.index]! : segments.slice(p.index).join('/');
      } else {
        pathParameters[p.name] = segments[p.index]!;
      }
    }
    return { entry, pathParameters };
  }
}

/**
 * The matched path parameters as they stand in the forwarded path: each segment canonically
 * percent-encoded (the same encoding as the path itself), so a `%2F` inside a segment stays
 * `%2F` and a greedy value keeps its real separators. Integrations substitute these into
 * upstream URIs; the decoded values would turn an encoded slash into a separator.
 */
export function encodePathParameters(
  entry: RouteEntry,
  segments: readonly string[],
): Record<string, string> {
  const encoded = Object.create(null) as Record<string, string>;
  for (const p of entry.params) {
    if (p.index >= segments.length) continue;
    if (!p.greedy) encoded[p.name] = encodeSegment(segments[p.index]!);
    else {
      let value = encodeSegment(segments[p.index]!);
      for (let i = p.index + 1; i < segments.length; i++)
        value += '/' + encodeSegment(segments[i]!);
      encoded[p.name] = value;
    }
  }
  return encoded;
}

/** `/pets/{id}/{proxy+}` → find-my-way's `/pets/:p1/*` plus where each parameter sits. */
function compileTemplate(path: string): { pattern: string; params: ParamSpec[] } {
  if (!path.startsWith('/'))
    throw new RouteCompileError(`Resource path must start with /: ${path}`);
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const params: ParamSpec[] = [];
  let pattern = '';
  parts.forEach((part, index) => {
    const greedy = GREEDY.exec(part);
    const param = PARAM.exec(part);
    if (greedy) {
      if (index !== parts.length - 1) {
        throw new RouteCompileError(`Greedy ${part} must be the last segment of ${path}`);
      }
      params.push({ name: greedy[1]!, index, greedy: true });
      pattern += '/*';
    } else if (param) {
      params.push({ name: param[1]!, index, greedy: false });
      // Positional names: siblings may call the same position differently ({id} vs {petId}).
      pattern += `/:p${index}`;
    } else if (LITERAL.test(part)) {
      pattern += '/' + part.replace(/:/g, '::');
    } else {
      throw new RouteCompileError(`Invalid path part "${part}" in ${path}`);
    }
  });
  return { pattern: pattern || '/', params };
}
