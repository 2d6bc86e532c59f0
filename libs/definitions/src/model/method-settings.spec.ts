import { methodSettingTarget } from './method-settings';

describe('methodSettingTarget', () => {
  it.each([
    ['*/*', '*', '*'],
    ['~1pets/GET', '/pets', 'GET'],
    ['~1pets~1{id}/DELETE', '/pets/{id}', 'DELETE'],
    ['pets/{id}/GET', '/pets/{id}', 'GET'],
    ['~1/GET', '/', 'GET'],
    ['/GET', '/', 'GET'],
    ['~1a~0b/ANY', '/a~b', 'ANY'],
    ['~1pets/*', '/pets', '*'],
  ])('reads %s as %s %s', (key, resourcePath, httpMethod) => {
    expect(methodSettingTarget(key)).toEqual({ resourcePath, httpMethod });
  });

  it.each(['GET', '*/GET', '~1pets/FETCH', '~1pets/get', 'pets//x/GET', '~1pets~1/GET'])(
    'names no method with %s',
    (key) => {
      expect(methodSettingTarget(key)).toBeUndefined();
    },
  );
});
