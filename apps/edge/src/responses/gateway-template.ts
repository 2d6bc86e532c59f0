/**
 * A gateway response body template. API Gateway does not run these through VTL: they support
 * simple variable substitution only, `$context.x.y` and `$stageVariables.name` (also in the
 * `${…}` form). Everything else, `#if`, `$util`, `$input`, quotes, is literal text. Compiled
 * once per stage; rendering joins the pieces.
 */
export interface TemplateValues {
  context(): Record<string, unknown>;
  stageVariables: Record<string, string>;
}

type Piece = string | { root: 'context' | 'stageVariables'; path: readonly string[] };

const REFERENCE =
  /\$(?:\{(context|stageVariables)((?:\.[A-Za-z0-9_]+)+)\}|(context|stageVariables)((?:\.[A-Za-z0-9_]+)+))/g;

export class GatewayTemplate {
  private readonly pieces: readonly Piece[];

  constructor(text: string) {
    const pieces: Piece[] = [];
    let last = 0;
    for (const m of text.matchAll(REFERENCE)) {
      if (m.index > last) pieces.push(text.slice(last, m.index));
      const root = (m[1] ?? m[3]) as 'context' | 'stageVariables';
      pieces.push({ root, path: (m[2] ?? m[4])!.slice(1).split('.') });
      last = m.index + m[0].length;
    }
    if (last < text.length) pieces.push(text.slice(last));
    this.pieces = pieces;
  }

  render(values: TemplateValues): string {
    let out = '';
    for (const piece of this.pieces) {
      if (typeof piece === 'string') out += piece;
      else {
        const root =
          piece.root === 'context'
            ? values.context()
            : (values.stageVariables as Record<string, unknown>);
        out += textOf(lookup(root, piece.path));
      }
    }
    return out;
  }
}

/** `a.b.c` in nested plain objects; undefined when any step is missing. */
export function lookup(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** What a substituted value reads as: missing values vanish, objects show as JSON. */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
