import {
  isScalar,
  parse as parseYaml,
  parseDocument as parseYamlDocument,
  stringify as stringifyYaml,
  YAMLParseError,
} from 'yaml';
import { isObject } from '../util/json';
import { DefinitionError } from './definition-error';

/** Bounds YAML alias expansion so a small document cannot explode in memory. */
const MAX_YAML_ALIASES = 1000;
/**
 * Unclosed `[` and `{` the text may hold at any point before it is parsed at all: the YAML
 * parser spends seconds on megabytes of nested flow collections before it fails. Brackets in
 * strings count too, so the bound is far above the depth an imported document may have.
 */
const MAX_OPEN_BRACKETS = 1000;
const VERSION_FIELDS = [['info', 'version'], ['swagger'], ['openapi']];

/**
 * Parses an OpenAPI or Swagger document written as JSON or YAML. JSON is tried first when the
 * text looks like JSON because JSON.parse is much faster on large documents than a YAML parser.
 */
export function parseDocument(body: string | Buffer): Record<string, unknown> {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new DefinitionError('The API definition is empty');
  if (openBracketsExceed(text, MAX_OPEN_BRACKETS)) {
    throw new DefinitionError(
      `The API definition nests more than ${MAX_OPEN_BRACKETS} brackets deep`,
    );
  }
  const value = text.trimStart().startsWith('{') ? parseJsonOrYaml(text) : parseYamlText(text);
  if (!isObject(value)) {
    throw new DefinitionError(
      'The API definition must be a JSON or YAML object (an OpenAPI 3.0 or Swagger 2.0 document)',
    );
  }
  return value;
}

function openBracketsExceed(text: string, max: number): boolean {
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++open > max) return true;
    } else if ((c === 0x5d || c === 0x7d) && open > 0) {
      open--;
    }
  }
  return false;
}

function parseJsonOrYaml(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (jsonError) {
    // `{ a: 1 }` is a valid YAML flow mapping though not JSON; report the JSON error otherwise.
    try {
      return parseYaml(text, { maxAliasCount: MAX_YAML_ALIASES });
    } catch {
      throw new DefinitionError(`Invalid JSON: ${(jsonError as Error).message}`);
    }
  }
}

function parseYamlText(text: string): unknown {
  const doc = parseYamlDocument(text, { prettyErrors: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
    const firstLine = error.message.split('\n')[0] ?? error.message;
    throw new DefinitionError(
      `Invalid YAML: ${firstLine}`,
      pos ? `line ${pos.line}, column ${pos.col}` : undefined,
    );
  }
  // `version: 1.0` and `swagger: 2.0` are numbers in YAML; people mean the text they wrote.
  for (const path of VERSION_FIELDS) {
    const node = doc.getIn(path, true);
    if (isScalar(node) && typeof node.value === 'number' && node.source)
      doc.setIn(path, node.source);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    throw new DefinitionError(`Invalid YAML: ${(err as Error).message}`);
  }
}

/** JSON with a 2-space indent, or YAML (no anchors, no folded lines, so templates stay intact). */
export function serializeDocument(doc: unknown, as: 'json' | 'yaml'): string {
  if (as === 'json') return JSON.stringify(doc, null, 2);
  return stringifyYaml(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
}
