import { DefinitionError } from './definition-error';
import { parseDocument, serializeDocument } from './document-format';

describe('parseDocument', () => {
  it('parses JSON from a string or a Buffer, with or without a BOM', () => {
    const json = '{"openapi": "3.0.1", "info": {"title": "T", "version": "1"}}';
    expect(parseDocument(json)).toEqual({ openapi: '3.0.1', info: { title: 'T', version: '1' } });
    expect(parseDocument(Buffer.from(`\uFEFF${json}`))).toEqual(parseDocument(json));
  });

  it('parses YAML, keeping version numbers as the text that was written', () => {
    const doc = parseDocument('swagger: 2.0\ninfo:\n  title: T\n  version: 1.0\npaths: {}\n');
    expect(doc).toEqual({ swagger: '2.0', info: { title: 'T', version: '1.0' }, paths: {} });
  });

  it('accepts a YAML flow mapping that is not JSON', () => {
    expect(parseDocument('{ openapi: 3.0.1, paths: {} }')).toEqual({ openapi: '3.0.1', paths: {} });
  });

  it('throws DefinitionError for malformed input', () => {
    expect(() => parseDocument('{"a": ')).toThrow(/^Invalid JSON/);
    expect(() => parseDocument('a: [1, 2\nb: c')).toThrow(DefinitionError);
    expect(() => parseDocument('a: 1\na: 2\n')).toThrow(/Invalid YAML: Map keys must be unique/);
    expect(() => parseDocument('just a string')).toThrow(/must be a JSON or YAML object/);
    expect(() => parseDocument('   \n')).toThrow(/empty/);
  });

  it('refuses YAML alias bombs instead of expanding them', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const parse = () => parseDocument(levels.join('\n'));
    expect(parse).toThrow(DefinitionError);
    expect(parse).toThrow(/Excessive alias count/);
  });
});

describe('serializeDocument', () => {
  const doc = {
    openapi: '3.0.1',
    info: { title: 'T' },
    shared: ['a'],
    again: ['a'],
    long: 'x'.repeat(200),
  };

  it('writes JSON with a 2-space indent', () => {
    expect(serializeDocument({ a: { b: 1 } }, 'json')).toBe('{\n  "a": {\n    "b": 1\n  }\n}');
  });

  it('writes YAML that parses back to the same document, without anchors or folded lines', () => {
    const shared = ['same'];
    const yaml = serializeDocument({ ...doc, one: shared, two: shared }, 'yaml');
    expect(yaml).not.toContain('&');
    expect(yaml).toContain(`long: ${'x'.repeat(200)}\n`);
    expect(parseDocument(yaml)).toEqual({ ...doc, one: shared, two: shared });
  });
});

describe('parseDocument on megabytes of nesting', () => {
  it('refuses deeply nested brackets before the YAML parser spends seconds on them', () => {
    const n = 1_000_000;
    const parse = () => parseDocument(`${'['.repeat(n)}${']'.repeat(n)}`);
    expect(parse).toThrow(DefinitionError);
    expect(parse).toThrow(/more than 1000 brackets deep/);
  });

  it('still takes brackets in strings and balanced collections of ordinary depth', () => {
    const doc = parseDocument(`a: "${'['.repeat(500)}"\nb: ${'['.repeat(50)}1${']'.repeat(50)}\n`);
    expect(doc.a).toBe('['.repeat(500));
  });
});
