/**
 * The JSONPath subset mapping templates use in practice: `$`, dotted names, `[n]` indexes and
 * `['key']` / `["key"]` members. Anything else is a template error the caller reports.
 */
type Step = string | number;

const MAX_CACHED_PATHS = 2000;
const parsedPaths = new Map<string, Step[]>();

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

export function parseJsonPath(path: string): Step[] {
  const cached = parsedPaths.get(path);
  if (cached) return cached;
  const steps = tokenize(path.trim());
  if (parsedPaths.size >= MAX_CACHED_PATHS) parsedPaths.clear();
  parsedPaths.set(path, steps);
  return steps;
}

function tokenize(path: string): Step[] {
  if (!path.startsWith('$')) throw new JsonPathError(`JSONPath must start with $: ${path}`);
  const steps: Step[] = [];
  let i = 1;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      const match = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!match) throw new JsonPathError(`Empty member name in JSONPath: ${path}`);
      steps.push(match[0]);
      i += 1 + match[0].length;
    } else if (ch === '[') {
      const rest = path.slice(i);
      const index = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[\s*(['"])(.*?)\1\s*\]/.exec(rest);
      if (index?.[1] !== undefined) {
        steps.push(Number(index[1]));
        i += index[0].length;
      } else if (quoted?.[2] !== undefined) {
        steps.push(quoted[2]);
        i += quoted[0].length;
      } else {
        throw new JsonPathError(`Unsupported JSONPath selector in ${path}`);
      }
    } else {
      throw new JsonPathError(`Unexpected character '${ch}' in JSONPath: ${path}`);
    }
  }
  return steps;
}

/** The value at `path`, or undefined when any step is missing. */
export function evaluateJsonPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const step of parseJsonPath(path)) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[step];
    } else {
      if (!Object.prototype.hasOwnProperty.call(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return current;
}
