import { evaluateJsonPath } from './json-path';
import { VtlHostObject } from './vtl-host-object';

export interface TemplateInput {
  body: string;
  path: Record<string, string>;
  querystring: Record<string, string>;
  header: Record<string, string>;
}

const INPUT_METHODS: ReadonlySet<string> = new Set(['json', 'path', 'params']);

/** The `$input` object of API Gateway: the body is parsed once, on first use. */
export class VtlInput extends VtlHostObject {
  /** `$input.body`: the only property templates read. */
  readonly body: string;
  readonly #input: TemplateInput;
  #parsed: { value: unknown } | undefined;
  #lowerHeaders: Map<string, string> | undefined;

  constructor(input: TemplateInput) {
    super();
    this.body = input.body;
    this.#input = input;
  }

  protected get methods(): ReadonlySet<string> {
    return INPUT_METHODS;
  }

  json(path: unknown): string {
    const value = evaluateJsonPath(this.root(), String(path));
    return value === undefined ? '' : JSON.stringify(value);
  }

  path(path: unknown): unknown {
    return evaluateJsonPath(this.root(), String(path));
  }

  /** All parameters by location, or one by name: path, then query string, then header. */
  params(name?: unknown): unknown {
    const input = this.#input;
    if (name === undefined) {
      // Copies: a template that edits the map must not edit the request's own parameters.
      return {
        path: { ...input.path },
        querystring: { ...input.querystring },
        header: { ...input.header },
      };
    }
    const key = String(name);
    this.#lowerHeaders ??= new Map(
      Object.entries(input.header).map(([k, v]) => [k.toLowerCase(), v]),
    );
    return (
      own(input.path, key) ??
      own(input.querystring, key) ??
      this.#lowerHeaders.get(key.toLowerCase()) ??
      ''
    );
  }

  private root(): unknown {
    this.#parsed ??= { value: parseBody(this.body) };
    return this.#parsed.value;
  }
}

function own(map: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** AWS treats an empty body as `{}` and a body that is not JSON as a plain string. */
function parseBody(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
