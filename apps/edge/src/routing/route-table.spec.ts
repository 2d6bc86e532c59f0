import { method, mockIntegration, resource } from '../testing/api-factory';
import { joinPath, splitPath } from './path-normalizer';
import { encodePathParameters, RouteCompileError, RouteTable } from './route-table';

function lookup(table: RouteTable, httpMethod: string, rawPath: string) {
  const { segments } = splitPath(rawPath);
  const found = table.match(httpMethod, joinPath(segments), segments);
  return (
    found && {
      resource: found.entry.resourcePath,
      key: found.entry.methodKey,
      params: { ...found.pathParameters },
    }
  );
}

describe('RouteTable', () => {
  const table = RouteTable.compile([
    resource('/', ['GET']),
    resource('/pets', ['GET', 'POST']),
    resource('/pets/{petId}', ['GET', 'DELETE']),
    resource('/pets/mine', ['GET']),
    resource('/pets/{petId}/toys/{toyId}', ['ANY']),
    resource('/files/{proxy+}', ['GET']),
    resource('/{proxy+}', ['ANY']),
    resource('/jobs', {}),
    resource('/jobs/{operation}', ['GET']),
    resource('/cors', ['OPTIONS']),
  ]);

  it('matches literal segments', () => {
    expect(lookup(table, 'GET', '/pets')).toEqual({ resource: '/pets', key: 'GET', params: {} });
    expect(lookup(table, 'GET', '/')).toEqual({ resource: '/', key: 'GET', params: {} });
  });

  it('prefers a literal over a parameter, and a parameter over a greedy path', () => {
    expect(lookup(table, 'GET', '/pets/mine')?.resource).toBe('/pets/mine');
    expect(lookup(table, 'GET', '/pets/42')).toEqual({
      resource: '/pets/{petId}',
      key: 'GET',
      params: { petId: '42' },
    });
    expect(lookup(table, 'GET', '/pets/42/x')?.resource).toBe('/{proxy+}');
  });

  it('binds a parameter to one whole segment, decoded', () => {
    expect(lookup(table, 'GET', '/pets/a%2Fb')?.params).toEqual({ petId: 'a/b' });
    expect(lookup(table, 'GET', '/pets/caf%C3%A9')?.params).toEqual({ petId: 'café' });
    expect(lookup(table, 'ANY', '/pets/1/toys/2')).toBeUndefined();
    expect(lookup(table, 'PATCH', '/pets/1/toys/2')?.params).toEqual({ petId: '1', toyId: '2' });
  });

  it('gives a greedy path one or more segments, never the bare parent', () => {
    expect(lookup(table, 'GET', '/files/a/b/c.txt')).toEqual({
      resource: '/files/{proxy+}',
      key: 'GET',
      params: { proxy: 'a/b/c.txt' },
    });
    // The bare parent /files has no resource of its own: the root greedy path takes it.
    expect(lookup(table, 'GET', '/files')).toEqual({
      resource: '/{proxy+}',
      key: 'ANY',
      params: { proxy: 'files' },
    });
    expect(lookup(table, 'GET', '/files/')?.resource).toBe('/{proxy+}');
  });

  it('never lets a root greedy path match the root itself', () => {
    const onlyGreedy = RouteTable.compile([resource('/', {}), resource('/{proxy+}', ['ANY'])]);
    expect(lookup(onlyGreedy, 'GET', '/')).toBeUndefined();
    expect(lookup(onlyGreedy, 'GET', '//')).toBeUndefined();
    expect(lookup(onlyGreedy, 'GET', '/x')?.params).toEqual({ proxy: 'x' });
  });

  it('lets ANY answer only the methods a resource does not define itself', () => {
    const t = RouteTable.compile([
      resource('/r', {
        ANY: method('ANY', mockIntegration(201)),
        GET: method('GET', mockIntegration(200)),
      }),
    ]);
    expect(lookup(t, 'GET', '/r')?.key).toBe('GET');
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']) {
      expect(lookup(t, m, '/r')?.key).toBe('ANY');
    }
  });

  it('routes on the resource+method pair: a resource without the verb falls through to a greedy ANY', () => {
    // As measured on API Gateway: /jobs has no methods, /jobs/{operation} only GET.
    expect(lookup(table, 'GET', '/jobs')?.resource).toBe('/{proxy+}');
    expect(lookup(table, 'POST', '/jobs/reboot')?.resource).toBe('/{proxy+}');
    expect(lookup(table, 'GET', '/jobs/reboot')?.resource).toBe('/jobs/{operation}');
    expect(lookup(table, 'GET', '/cors')?.resource).toBe('/{proxy+}');
    expect(lookup(table, 'OPTIONS', '/cors')?.resource).toBe('/cors');
  });

  it('answers nothing when no resource has the method and there is no greedy fallback', () => {
    const t = RouteTable.compile([resource('/pets', ['GET']), resource('/pets/{id}', ['GET'])]);
    expect(lookup(t, 'POST', '/pets')).toBeUndefined();
    expect(lookup(t, 'GET', '/nope')).toBeUndefined();
    expect(lookup(t, 'GET', '/pets/1/2')).toBeUndefined();
  });

  it('does not fall back from HEAD to GET (HEAD is a method of its own in API Gateway)', () => {
    const t = RouteTable.compile([resource('/a', ['GET']), resource('/b', ['HEAD'])]);
    expect(lookup(t, 'HEAD', '/a')).toBeUndefined();
    expect(lookup(t, 'HEAD', '/b')?.key).toBe('HEAD');
  });

  it('does not route methods API Gateway does not know', () => {
    const t = RouteTable.compile([resource('/a', ['ANY'])]);
    expect(lookup(t, 'TRACE', '/a')).toBeUndefined();
    expect(lookup(t, 'PROPFIND', '/a')).toBeUndefined();
  });

  it('is case-sensitive, as API Gateway paths are', () => {
    expect(lookup(table, 'POST', '/Pets')?.resource).toBe('/{proxy+}');
    const t = RouteTable.compile([resource('/Pets', ['GET'])]);
    expect(lookup(t, 'GET', '/pets')).toBeUndefined();
  });

  it('routes literal colons and leaves dots alone', () => {
    const t = RouteTable.compile([
      resource('/v1/items:batch', ['POST']),
      resource('/a.b', ['GET']),
    ]);
    expect(lookup(t, 'POST', '/v1/items:batch')?.resource).toBe('/v1/items:batch');
    expect(lookup(t, 'GET', '/a.b')?.resource).toBe('/a.b');
    expect(lookup(t, 'GET', '/aXb')).toBeUndefined();
  });

  it('lets siblings name the same position differently', () => {
    const t = RouteTable.compile([
      resource('/p/{id}', ['GET']),
      resource('/p/{petId}/toys', ['GET']),
    ]);
    expect(lookup(t, 'GET', '/p/1')?.params).toEqual({ id: '1' });
    expect(lookup(t, 'GET', '/p/1/toys')?.params).toEqual({ petId: '1' });
  });

  it('backtracks from a literal branch that dead-ends to a parameter', () => {
    const t = RouteTable.compile([resource('/a/b/c', ['GET']), resource('/a/{x}/d', ['GET'])]);
    expect(lookup(t, 'GET', '/a/b/d')).toEqual({
      resource: '/a/{x}/d',
      key: 'GET',
      params: { x: 'b' },
    });
  });

  it('handles long parameter values', () => {
    const long = 'x'.repeat(5000);
    expect(lookup(table, 'GET', `/pets/${long}`)?.params).toEqual({ petId: long });
  });

  it('rejects definitions it cannot route', () => {
    expect(() => RouteTable.compile([resource('/a/{proxy+}/b', ['GET'])])).toThrow(
      RouteCompileError,
    );
    expect(() => RouteTable.compile([resource('/a/x{id}', ['GET'])])).toThrow(RouteCompileError);
    expect(() => RouteTable.compile([resource('/a/*', ['GET'])])).toThrow(RouteCompileError);
    expect(() =>
      RouteTable.compile([resource('/a/{id}', ['GET']), resource('/a/{other}', ['GET'])]),
    ).toThrow(RouteCompileError);
  });

  it('encodes parameters as they stand in the forwarded path', () => {
    const at = (rawPath: string) => {
      const { segments } = splitPath(rawPath);
      const found = table.match('GET', joinPath(segments), segments)!;
      return {
        decoded: { ...found.pathParameters },
        raw: { ...encodePathParameters(found.entry, segments) },
        path: joinPath(segments),
      };
    };
    // An encoded slash stays inside its segment; only real separators are slashes.
    expect(at('/files/a%2Fb/c%20d/%252F')).toEqual({
      decoded: { proxy: 'a/b/c d/%2F' },
      raw: { proxy: 'a%2Fb/c%20d/%252F' },
      path: '/files/a%2Fb/c%20d/%252F',
    });
    expect(at('/pets/x%2F..%2Fadmin').raw).toEqual({ petId: 'x%2F..%2Fadmin' });
    // The raw value is exactly the part of the forwarded path the parameter covers.
    const { raw, path } = at('/files/caf%C3%A9/a:b@c');
    expect(path).toBe(`/files/${raw['proxy']}`);
  });

  it('stays correct with 10,000 routes', () => {
    const many = [];
    for (let i = 0; i < 10_000; i++) many.push(resource(`/svc${i}/items/{id}`, ['GET']));
    many.push(resource('/{proxy+}', ['ANY']));
    const big = RouteTable.compile(many);
    expect(big.size).toBe(10_001);
    expect(lookup(big, 'GET', '/svc9999/items/7')).toEqual({
      resource: '/svc9999/items/{id}',
      key: 'GET',
      params: { id: '7' },
    });
    expect(lookup(big, 'GET', '/svc10000/items/7')?.resource).toBe('/{proxy+}');
  });
});
