import { Compile, parse } from 'velocityjs';
import { evaluateJsonPath } from './json-path';
import { vtlUtil } from './vtl-util';

export interface TemplateInput {
  body: string;
  path: Record<string, string>;
  querystring: Record<string, string>;
  header: Record<string, string>;
}

export interface TemplateVariables {
  context: Record<string, unknown>;
  stageVariables: Record<string, string>;
  input: TemplateInput;
}

/** A template that does not parse or fails while rendering; the caller answers with a 5xx. */
export class TemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
}

type TemplateAst = ReturnType<typeof parse>;

/**
 * Templates come from deployed definitions and repeat per request, so the parse (the costly
 * part) is cached; bounded so definition churn cannot grow it. A Compile object keeps render
 * state (#stop, loop locals), so each render gets a fresh, cheap one over the cached AST.
 */
const MAX_CACHED_TEMPLATES = 2000;
const compiled = new Map<string, TemplateAst>();

function compile(template: string): TemplateAst {
  const hit = compiled.get(template);
  if (hit) return hit;
  let result: TemplateAst;
  try {
    result = parse(template);
  } catch (err) {
    throw new TemplateError(`Invalid mapping template: ${errorText(err)}`, { cause: err });
  }
  if (compiled.size >= MAX_CACHED_TEMPLATES) {
    // Map iteration order is insertion order: drop the oldest entry.
    const oldest = compiled.keys().next();
    if (!oldest.done) compiled.delete(oldest.value);
  }
  compiled.set(template, result);
  return result;
}

/** Renders an API Gateway mapping template (VTL) with `$input`, `$context`, `$stageVariables` and `$util`. */
export function renderTemplate(template: string, vars: TemplateVariables): string {
  const ast = compile(template);
  try {
    // Silent: API Gateway renders a missing reference as an empty string, not as its source text.
    return new Compile(ast).render(
      {
        input: inputVariable(vars.input),
        context: vars.context,
        stageVariables: vars.stageVariables,
        util: vtlUtil,
      },
      undefined,
      true,
    );
  } catch (err) {
    throw new TemplateError(`Mapping template failed: ${errorText(err)}`, { cause: err });
  }
}

/** The `$input` object of API Gateway: the body is parsed once, on first use. */
function inputVariable(input: TemplateInput) {
  let parsed: { value: unknown } | undefined;
  const root = (): unknown => {
    if (!parsed) parsed = { value: parseBody(input.body) };
    return parsed.value;
  };
  const lowerHeaders = new Map(Object.entries(input.header).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    body: input.body,
    json: (path: string): string => {
      const value = evaluateJsonPath(root(), String(path));
      return value === undefined ? '' : JSON.stringify(value);
    },
    path: (path: string): unknown => evaluateJsonPath(root(), String(path)),
    params: (name?: string): unknown => {
      if (name === undefined) {
        return { path: input.path, querystring: input.querystring, header: input.header };
      }
      const key = String(name);
      return input.path[key] ?? input.querystring[key] ?? lowerHeaders.get(key.toLowerCase()) ?? '';
    },
  };
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

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
