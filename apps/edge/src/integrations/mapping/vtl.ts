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

/**
 * Templates come from deployed definitions and repeat per request, so the parse (the costly
 * part) is cached; bounded so definition churn cannot grow it. A Compile object keeps render
 * state (#stop, loop locals, step counts), so each render gets a fresh, cheap one over the
 * cached AST.
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

/**
 * Renders an API Gateway mapping template (VTL) with `$input`, `$context`, `$stageVariables` and
 * `$util`, in a sandbox (see SandboxedCompile): a template reads and shapes data, nothing more.
 */
export function renderTemplate(template: string, vars: TemplateVariables): string {
  const ast = compile(template);
  try {
    // Silent: API Gateway renders a missing reference as an empty string, not as its source text.
    return new SandboxedCompile(ast).render(
      {
        input: new VtlInput(vars.input),
        context: vars.context,
        // A copy: `#set($stageVariables.x = …)` must not change the stage for later requests.
        stageVariables: { ...vars.stageVariables },
        util: vtlUtil,
      },
      undefined,
      true,
    );
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw new TemplateError(`Mapping template failed: ${errorText(err)}`, { cause: err });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
