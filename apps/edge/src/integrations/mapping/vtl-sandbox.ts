import { Compile } from 'velocityjs';
import { TemplateError } from './template-error';
import { VtlHostObject } from './vtl-host-object';

/**
 * velocityjs evaluates method calls by calling whatever JavaScript function it finds, which lets
 * a template reach `Function` (through `__lookupGetter__`, `call`, …) and run arbitrary code in
 * the edge. This compiler keeps templates inside the data they are given:
 * - no function ever becomes a template value (property reads and method results that are
 *   functions read as undefined), and functions cannot be passed as arguments;
 * - the methods that work on functions or on the prototype chain are refused;
 * - gateway objects (`$input`, `$util`) offer only their named methods and own data;
 * - the work is bounded: `#foreach` takes at most 1,000 items (API Gateway's quota), ranges
 *   likewise, and a render stops after a fixed number of steps or characters produced, so a
 *   template fed a hostile parameter (`[1..$input.params('n')]`) cannot stall the event loop.
 */
export const MAX_FOREACH_ITEMS = 1000;
const MAX_RENDER_STEPS = 100_000;
/** Characters produced across all nesting levels; well above the 10 MB payload limit. */
const MAX_PRODUCED_CHARS = 64 * 1024 * 1024;
const MAX_METHOD_RESULT_CHARS = 16 * 1024 * 1024;

const REFUSED_METHODS = new Set(['constructor', 'prototype', 'call', 'apply', 'bind']);

interface MethodAst {
  id: string;
  args?: unknown[] | false;
}
interface RangeAst {
  type: 'array';
  isRange?: boolean;
  value: unknown[];
}
interface MethodHandler {
  match(payload: MethodPayload): boolean;
  resolve(payload: MethodPayload): unknown;
}
interface MethodPayload {
  property: string;
  params: unknown[];
  context: unknown;
}

/** The parts of velocityjs's Compile that are mixed in at runtime but not in its types. */
interface CompileInternals {
  config: { customMethodHandlers?: MethodHandler[] };
  getLiteral(literal: unknown): unknown;
  getReferences(ast: unknown, isVal?: boolean): unknown;
  getAttributes(property: { type: string; id: unknown }, baseRef: unknown, ast: unknown): unknown;
  getArray(literal: RangeAst): unknown[];
  getBlockEach(block: unknown[]): string;
}
const base = Compile.prototype as unknown as CompileInternals;

export class SandboxedCompile extends Compile {
  private steps = 0;
  private produced = 0;
  /** Set by getBlockEach so the next getLiteral (the loop's source) is size-checked. */
  private foreachSource = false;

  override renderAstList(
    asts?: Parameters<Compile['renderAstList']>[0],
    contextId?: string,
  ): string {
    if (++this.steps > MAX_RENDER_STEPS) {
      throw new TemplateError(`Template exceeded ${MAX_RENDER_STEPS} rendering steps`);
    }
    const out = super.renderAstList(asts, contextId);
    this.produced += out.length;
    if (this.produced > MAX_PRODUCED_CHARS) {
      throw new TemplateError('Template output is too large');
    }
    return out;
  }

  getBlockEach(block: unknown[]): string {
    this.foreachSource = true;
    return base.getBlockEach.call(this, block);
  }

  // Typed `string` only because velocityjs declares it so; it returns any template value.
  protected override getLiteral(literal: unknown): string {
    if (!this.foreachSource) return base.getLiteral.call(this, literal) as string;
    this.foreachSource = false;
    const items = base.getLiteral.call(this, literal);
    const count = Array.isArray(items)
      ? items.length
      : items !== null && typeof items === 'object'
        ? Object.keys(items).length
        : 0;
    if (count > MAX_FOREACH_ITEMS) {
      throw new TemplateError(`#foreach over ${count} items; the limit is ${MAX_FOREACH_ITEMS}`);
    }
    return items as string;
  }

  /** `[a..b]`, built only after its size is known to be sane. */
  getArray(literal: RangeAst): unknown[] {
    if (literal.isRange !== true) return base.getArray.call(this, literal);
    const [from, to] = literal.value.map((end) =>
      Number(
        typeof end === 'string' || typeof end === 'number'
          ? end
          : base.getReferences.call(this, end),
      ),
    );
    if (
      from === undefined ||
      to === undefined ||
      !Number.isInteger(from) ||
      !Number.isInteger(to)
    ) {
      return [];
    }
    if (Math.abs(to - from) + 1 > MAX_FOREACH_ITEMS) {
      throw new TemplateError(`Range [${from}..${to}] exceeds ${MAX_FOREACH_ITEMS} items`);
    }
    const step = from <= to ? 1 : -1;
    const out: number[] = [];
    for (let i = from; i !== to + step; i += step) out.push(i);
    return out;
  }

  getAttributes(property: { type: string; id: unknown }, baseRef: unknown, ast: unknown): unknown {
    if (baseRef instanceof VtlHostObject && property.type !== 'method') {
      const key = String(property.type === 'index' ? this.getLiteral(property.id) : property.id);
      return Object.hasOwn(baseRef, key)
        ? (baseRef as unknown as Record<string, unknown>)[key]
        : undefined;
    }
    return valueOnly(base.getAttributes.call(this, property, baseRef, ast));
  }

  /** `$obj.name(args)`, replacing velocityjs's version (which also writes `eval` onto objects). */
  getPropMethod(property: MethodAst, baseRef: unknown): unknown {
    const name = property.id;
    if (REFUSED_METHODS.has(name) || name.startsWith('__')) {
      throw new TemplateError(`Method ${name}() is not available in mapping templates`);
    }
    if (baseRef === null || baseRef === undefined) return undefined;
    // The parser gives `args: false` for `()`.
    const params = Array.isArray(property.args) ? property.args.map((a) => this.getLiteral(a)) : [];
    if (params.some((p) => typeof p === 'function')) {
      throw new TemplateError(`A function cannot be passed to ${name}()`);
    }
    let result: unknown;
    if (baseRef instanceof VtlHostObject) {
      result = baseRef.callFromTemplate(name, params);
    } else {
      const payload: MethodPayload = { property: name, params, context: baseRef };
      // The Java-style helpers velocityjs provides: size(), get(), keySet(), put(), isEmpty() …
      const handler = (this as unknown as CompileInternals).config.customMethodHandlers?.find((h) =>
        h.match(payload),
      );
      if (handler) result = handler.resolve(payload);
      else {
        const method = (baseRef as Record<string, unknown>)[name];
        if (typeof method !== 'function') return undefined;
        result = (method as (...args: unknown[]) => unknown).apply(baseRef, params);
      }
    }
    if (typeof result === 'string' && result.length > MAX_METHOD_RESULT_CHARS) {
      throw new TemplateError(`${name}() produced a string that is too large`);
    }
    return valueOnly(result);
  }
}

function valueOnly(value: unknown): unknown {
  return typeof value === 'function' ? undefined : value;
}
