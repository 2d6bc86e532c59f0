import { parse } from 'velocityjs';
import { TemplateError } from './template-error';
import { type TemplateInput, VtlInput } from './vtl-input';
import { SandboxedCompile } from './vtl-sandbox';
import { vtlUtil } from './vtl-util';

export { TemplateError } from './template-error';
export type { TemplateInput } from './vtl-input';

export interface TemplateVariables {
  context: Record<string, unknown>;
  stageVariables: Record<string, string>;
  input: TemplateInput;
}

type TemplateAst = ReturnType<typeof parse>;

interface CompiledTemplate {
  ast: TemplateAst;
  /** Only text and comments: the output is the same for every request. */
  isStatic: boolean;
  /** The output of a static template, once rendered. */
  output?: string;
}

/**
 * Templates come from deployed definitions and repeat per request, so the parse (the costly
 * part) is cached; bounded so definition churn cannot grow it. A Compile object keeps render
 * state (#stop, loop locals, step counts), so each render gets a fresh, cheap one over the
 * cached AST. A template that reads nothing (a mock's `{"statusCode": 200}`) is rendered once.
 */
const MAX_CACHED_TEMPLATES = 2000;
const compiled = new Map<string, CompiledTemplate>();

function compile(template: string): CompiledTemplate {
  const hit = compiled.get(template);
  if (hit) return hit;
  let ast: TemplateAst;
  try {
    ast = parse(template);
  } catch (err) {
    throw new TemplateError(`Invalid mapping template: ${errorText(err)}`, { cause: err });
  }
  if (compiled.size >= MAX_CACHED_TEMPLATES) {
    // Map iteration order is insertion order: drop the oldest entry.
    const oldest = compiled.keys().next();
    if (!oldest.done) compiled.delete(oldest.value);
  }
  const result: CompiledTemplate = { ast, isStatic: ast.every(isStaticNode) };
  compiled.set(template, result);
  return result;
}

/** Plain text, or a comment (`##`, `#* *#`): neither reads a variable nor has an effect. */
function isStaticNode(node: unknown): boolean {
  return (
    typeof node === 'string' ||
    (node !== null && typeof node === 'object' && (node as { type?: unknown }).type === 'comment')
  );
}

/**
 * Renders an API Gateway mapping template (VTL) with `$input`, `$context`, `$stageVariables` and
 * `$util`, in a sandbox (see SandboxedCompile): a template reads and shapes data, nothing more.
 * `vars` may be a function, called only when the template reads variables, so a caller with a
 * static template never builds them.
 */
export function renderTemplate(
  template: string,
  vars: TemplateVariables | (() => TemplateVariables),
): string {
  const entry = compile(template);
  if (entry.output !== undefined) return entry.output;
  const { input, context, stageVariables } = typeof vars === 'function' ? vars() : vars;
  let output: string;
  try {
    // Silent: API Gateway renders a missing reference as an empty string, not as its source text.
    output = new SandboxedCompile(entry.ast).render(
      {
        input: new VtlInput(input),
        context,
        // A copy: `#set($stageVariables.x = …)` must not change the stage for later requests.
        stageVariables: { ...stageVariables },
        util: vtlUtil,
      },
      undefined,
      true,
    );
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw new TemplateError(`Mapping template failed: ${errorText(err)}`, { cause: err });
  }
  if (entry.isStatic) entry.output = output;
  return output;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
