import { evaluateJsonPath, JsonPathError } from './json-path';
import { renderTemplate, TemplateError, type TemplateVariables } from './vtl';
import { escapeJavaScript } from './vtl-util';

function vars(body = '', overrides: Partial<TemplateVariables> = {}): TemplateVariables {
  return {
    context: { requestId: 'req-1', stage: 'prod', identity: { sourceIp: '192.0.2.1' } },
    stageVariables: { backend: 'pets.internal' },
    input: {
      body,
      path: { id: '7' },
      querystring: { q: 'cats', id: 'from-query' },
      header: { 'Content-Type': 'application/json', 'X-Trace': 'abc' },
    },
    ...overrides,
  };
}

const doc = JSON.stringify({
  pet: { name: "O'Malley", tags: ['a', 'b'], 'odd key': 1 },
  list: [{ n: 1 }, { n: 2 }],
});

describe('renderTemplate', () => {
  it('exposes the raw body', () => {
    expect(renderTemplate('[$input.body]', vars('raw text'))).toBe('[raw text]');
  });

  it('renders $input.json as JSON text at a path', () => {
    expect(renderTemplate("$input.json('$.pet.tags')", vars(doc))).toBe('["a","b"]');
    expect(renderTemplate("$input.json('$.list[1]')", vars(doc))).toBe('{"n":2}');
    expect(renderTemplate("$input.json('$')", vars(doc))).toBe(doc);
    expect(renderTemplate("$input.json('$.pet.name')", vars(doc))).toBe('"O\'Malley"');
  });

  it('returns objects from $input.path so templates can walk them', () => {
    expect(renderTemplate("#set($p = $input.path('$.pet'))$p.name/$p.tags.size()", vars(doc))).toBe(
      "O'Malley/2",
    );
    expect(renderTemplate("$input.path('$.list[0].n')", vars(doc))).toBe('1');
    expect(renderTemplate('$input.path("$.pet[\'odd key\']")', vars(doc))).toBe('1');
  });

  it('treats an empty body as {} and a non-JSON body as a string', () => {
    expect(renderTemplate("$input.json('$')", vars(''))).toBe('{}');
    expect(renderTemplate("$input.path('$')", vars('plain'))).toBe('plain');
    expect(renderTemplate("[$input.json('$.missing')]", vars(doc))).toBe('[]');
  });

  it('looks parameters up in path, then query string, then headers (case-insensitively)', () => {
    expect(renderTemplate("$input.params('id')", vars())).toBe('7');
    expect(renderTemplate("$input.params('q')", vars())).toBe('cats');
    expect(renderTemplate("$input.params('x-trace')", vars())).toBe('abc');
    expect(renderTemplate("[$input.params('nope')]", vars())).toBe('[]');
  });

  it('returns all parameters from $input.params()', () => {
    const template =
      '#set($all = $input.params())#foreach($type in ["path", "querystring"])$type:#foreach($k in $all.get($type).keySet())$k=$all.get($type).get($k);#end #end';
    expect(renderTemplate(template, vars())).toBe('path:id=7; querystring:q=cats;id=from-query; ');
  });

  it('exposes $context and $stageVariables, rendering missing ones as empty', () => {
    expect(
      renderTemplate(
        '$context.requestId $context.identity.sourceIp $stageVariables.backend [$context.nope][$stageVariables.nope]',
        vars(),
      ),
    ).toBe('req-1 192.0.2.1 pets.internal [][]');
  });

  it('implements $util', () => {
    expect(renderTemplate("$util.escapeJavaScript($input.path('$.pet.name'))", vars(doc))).toBe(
      "O\\'Malley",
    );
    expect(renderTemplate('#set($o = $util.parseJson(\'{"a":[5,6]}\'))$o.a[1]', vars())).toBe('6');
    expect(renderTemplate("$util.urlEncode('a b&c/é')", vars())).toBe('a+b%26c%2F%C3%A9');
    expect(renderTemplate("$util.urlDecode('a+b%26c')", vars())).toBe('a b&c');
    expect(renderTemplate("$util.base64Encode('hi there')", vars())).toBe('aGkgdGhlcmU=');
    expect(renderTemplate("$util.base64Decode('aGkgdGhlcmU=')", vars())).toBe('hi there');
  });

  it('renders control flow', () => {
    const template = "#if($input.path('$.pet.tags').size() > 1)many#{else}few#end";
    expect(renderTemplate(template, vars(doc))).toBe('many');
  });

  it('gives the same output when a cached template is rendered again with other input', () => {
    const template = "#set($n = $input.path('$.n'))#if($n == 2)#stop()#end n=$n";
    expect(renderTemplate(template, vars('{"n":2}'))).toBe('');
    // #stop on the previous render must not leak into this one.
    expect(renderTemplate(template, vars('{"n":3}'))).toBe(' n=3');
  });

  it('throws TemplateError for a template that does not parse', () => {
    expect(() => renderTemplate('#if($x', vars())).toThrow(TemplateError);
  });

  it('throws TemplateError when rendering fails', () => {
    expect(() => renderTemplate("$util.parseJson('{broken')", vars())).toThrow(TemplateError);
    expect(() => renderTemplate("$input.json('pet')", vars(doc))).toThrow(/must start with \$/);
  });
});

describe('static templates', () => {
  it('renders a template that reads nothing once, never asking for variables again', () => {
    const template = '## a comment\n{"statusCode": 200, "price": "$5", "note": "#not-a-directive"}';
    const expected = '{"statusCode": 200, "price": "$5", "note": "#not-a-directive"}';
    const build = jest.fn(() => vars());
    expect(renderTemplate(template, build)).toBe(expected);
    expect(renderTemplate(template, build)).toBe(expected);
    expect(renderTemplate(template, vars())).toBe(expected);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("renders a template that reads variables every time, with that call's variables", () => {
    const template = '{"stage": "$context.stage", "id": "$input.params(\'id\')"}';
    const build = jest.fn((stage: string) => vars('', { context: { stage } }));
    expect(renderTemplate(template, () => build('prod'))).toBe('{"stage": "prod", "id": "7"}');
    expect(renderTemplate(template, () => build('dev'))).toBe('{"stage": "dev", "id": "7"}');
    expect(build).toHaveBeenCalledTimes(2);
    // A directive with no reference still runs per request (it could set $context fields).
    expect(renderTemplate('#set($x = 1)$x', vars())).toBe('1');
  });

  it('still rejects a broken static-looking template every time', () => {
    expect(() => renderTemplate('#if(', vars())).toThrow(TemplateError);
    expect(() => renderTemplate('#if(', vars())).toThrow(TemplateError);
  });
});

describe('JSONPath subset', () => {
  const root = { a: { b: [10, { c: 'x' }] }, 'k.e.y': true };

  it('selects by dotted names, indexes and quoted keys', () => {
    expect(evaluateJsonPath(root, '$')).toBe(root);
    expect(evaluateJsonPath(root, '$.a.b[0]')).toBe(10);
    expect(evaluateJsonPath(root, '$.a.b[1].c')).toBe('x');
    expect(evaluateJsonPath(root, "$['k.e.y']")).toBe(true);
    expect(evaluateJsonPath(root, '$["a"]["b"][1]["c"]')).toBe('x');
  });

  it('yields undefined for missing steps instead of throwing', () => {
    expect(evaluateJsonPath(root, '$.a.zz.q')).toBeUndefined();
    expect(evaluateJsonPath(root, '$.a.b[9]')).toBeUndefined();
    expect(evaluateJsonPath(root, '$.a[0]')).toBeUndefined();
    expect(evaluateJsonPath(root, '$.toString')).toBeUndefined();
  });

  it('rejects what it does not support', () => {
    expect(() => evaluateJsonPath(root, '$..c')).toThrow(JsonPathError);
    expect(() => evaluateJsonPath(root, '$.a[*]')).toThrow(JsonPathError);
    expect(() => evaluateJsonPath(root, 'a.b')).toThrow(JsonPathError);
  });
});

describe('escapeJavaScript', () => {
  it('escapes quotes, backslash, slash, control and non-ASCII characters', () => {
    expect(escapeJavaScript('"\'\\/\n\t\u0001é')).toBe('\\"\\\'\\\\\\/\\n\\t\\u0001\\u00E9');
  });
});
