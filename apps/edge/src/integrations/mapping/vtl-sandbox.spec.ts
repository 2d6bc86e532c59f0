import { renderTemplate, TemplateError, type TemplateVariables } from './vtl';

function vars(body = '', overrides: Partial<TemplateVariables> = {}): TemplateVariables {
  return {
    context: { requestId: 'req-1' },
    stageVariables: { backend: 'pets.internal' },
    input: { body, path: { id: '7' }, querystring: { n: '1000000000' }, header: {} },
    ...overrides,
  };
}

const globals = globalThis as { __porticoPwned?: unknown };

describe('mapping template sandbox', () => {
  afterEach(() => delete globals.__porticoPwned);

  // Each of these ran JavaScript in the edge with plain velocityjs.
  it.each([
    [
      'Function through __lookupGetter__',
      '#set($g = $util.__lookupGetter__("__proto__"))#set($fp = $g.call($util.parseJson))' +
        '#set($f = $fp.constructor.call($null, "globalThis.__porticoPwned = 1"))$f.call()',
    ],
    ['a function read as a property', '#set($f = $util.parseJson)$f.call($null, "1")'],
    ['a function taken out by #foreach', '#foreach($f in $util)$f.apply($null, ["1"])#end'],
    ['constructor of a string', '$input.body.constructor.constructor("return 1").call()'],
  ])('refuses %s', (_name, template) => {
    let outcome: unknown;
    try {
      outcome = renderTemplate(template, vars('x'));
    } catch (err) {
      outcome = err;
    }
    expect(globals.__porticoPwned).toBeUndefined();
    // Either refused outright or rendered harmlessly; never code run.
    if (typeof outcome === 'string') expect(outcome).not.toContain('function');
    else expect(outcome).toBeInstanceOf(TemplateError);
  });

  it('says which method it refused', () => {
    expect(() => renderTemplate('$util.__defineGetter__("a", 1)', vars())).toThrow(
      /__defineGetter__\(\) is not available/,
    );
    expect(() => renderTemplate('$input.body.apply("a")', vars('x'))).toThrow(
      /apply\(\) is not available/,
    );
  });

  it('reads functions as nothing', () => {
    expect(renderTemplate('[$input.json][$util.parseJson][$input.params]', vars())).toBe('[][][]');
  });

  it('keeps $util shared but unchangeable, and the stage variables of the caller untouched', () => {
    expect(() => renderTemplate('#set($util.urlEncode = "x")', vars())).toThrow(TemplateError);
    expect(renderTemplate("$util.urlEncode('a b')", vars())).toBe('a+b');

    const shared = vars();
    renderTemplate(
      '#set($stageVariables.backend = "evil")$stageVariables.put("extra", "1")',
      shared,
    );
    expect(shared.stageVariables).toEqual({ backend: 'pets.internal' });
    expect(renderTemplate('$stageVariables.backend', shared)).toBe('pets.internal');
  });

  it('hands $input.params() out as copies', () => {
    const v = vars();
    const template = '#set($all = $input.params())#set($old = $all.path.put("id", "8"))';
    expect(renderTemplate(`${template}$all.path.id $input.params("id")`, v)).toBe('8 7');
    expect(v.input.path).toEqual({ id: '7' });
  });

  it('allows #foreach over 1,000 items and refuses more, as API Gateway does', () => {
    const thousand = JSON.stringify(Array.from({ length: 1000 }, (_, i) => i));
    expect(
      renderTemplate(
        "#set($n = 0)#foreach($i in $input.path('$'))#set($n = $n + 1)#end$n",
        vars(thousand),
      ),
    ).toBe('1000');
    const more = JSON.stringify(Array.from({ length: 1001 }, (_, i) => i));
    expect(() => renderTemplate("#foreach($i in $input.path('$'))#end", vars(more))).toThrow(
      /limit is 1000/,
    );
  });

  it('refuses a range sized by the caller before building it', () => {
    expect(renderTemplate('#foreach($i in [3..1])$i#end', vars())).toBe('321');
    expect(() => renderTemplate("#foreach($i in [1..$input.params('n')])x#end", vars())).toThrow(
      /exceeds 1000 items/,
    );
  });

  it('stops a template whose work explodes', () => {
    // Each loop is within the quota; together they are a million iterations.
    const template =
      '#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end';
    expect(() => renderTemplate(template, vars())).toThrow(/rendering steps/);
  });
});
