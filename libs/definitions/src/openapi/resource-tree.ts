import type { MethodKey, Resource, Method } from '../model/api-definition';
import { resourceIdFor } from '../util/ids';
import { DefinitionError } from './definition-error';

const VARIABLE = /^\{([A-Za-z0-9._-]+)(\+?)\}$/;
/** RFC 3986 path characters, minus the braces that mark variables. */
const LITERAL = /^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/;

/** Splits and checks an OpenAPI path (`/pets/{id}`) into resource path parts. */
export function pathSegments(path: string, location: string): string[] {
  if (!path.startsWith('/')) {
    throw new DefinitionError(`Invalid resource path '${path}': it must start with '/'`, location);
  }
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed === '/') return [];
  const segments = trimmed.slice(1).split('/');
  const names = new Set<string>();
  segments.forEach((segment, index) => {
    if (segment === '') {
      throw new DefinitionError(`Invalid resource path '${path}': empty path part`, location);
    }
    const variable = VARIABLE.exec(segment);
    if (variable) {
      const name = variable[1]!;
      if (names.has(name)) {
        throw new DefinitionError(
          `Invalid resource path '${path}': path parameter '${name}' appears twice`,
          location,
        );
      }
      names.add(name);
      if (variable[2] && index !== segments.length - 1) {
        throw new DefinitionError(
          `Invalid resource path '${path}': a greedy path variable ('${segment}') must be the last path part`,
          location,
        );
      }
    } else if (!LITERAL.test(segment)) {
      throw new DefinitionError(
        `Invalid resource path '${path}': path part '${segment}' has characters a resource path cannot hold`,
        location,
      );
    }
  });
  return segments;
}

/**
 * Resources by path, with the intermediate resources API Gateway creates (`/pets/{id}` implies
 * `/pets` and `/`). Maps keep every step O(1) so ten thousand paths import in linear time.
 */
export class ResourceTree {
  private readonly byPath = new Map<string, Resource>();
  /** parent path → the one variable path part it may have (API Gateway allows only one). */
  private readonly variableChild = new Map<string, string>();

  constructor() {
    this.byPath.set('/', { id: resourceIdFor('/'), pathPart: '', path: '/', methods: {} });
  }

  /** The resource for these path parts, created with its ancestors when missing. */
  ensure(segments: string[], location: string): Resource {
    let parent = this.byPath.get('/')!;
    for (const segment of segments) {
      const path = parent.path === '/' ? `/${segment}` : `${parent.path}/${segment}`;
      let resource = this.byPath.get(path);
      if (!resource) {
        if (segment.startsWith('{')) this.claimVariable(parent.path, segment, location);
        if (parent.pathPart.endsWith('+}')) {
          throw new DefinitionError(
            `Resource '${parent.path}' is a greedy path variable and cannot have child resources`,
            location,
          );
        }
        resource = {
          id: resourceIdFor(path),
          parentId: parent.id,
          pathPart: segment,
          path,
          methods: {},
        };
        this.byPath.set(path, resource);
      }
      parent = resource;
    }
    return parent;
  }

  addMethod(resource: Resource, key: MethodKey, method: Method, location: string): void {
    if (resource.methods[key]) {
      throw new DefinitionError(`Duplicate method ${key} on resource '${resource.path}'`, location);
    }
    resource.methods[key] = method;
  }

  /** Sorted by path, root first, as the model promises. */
  list(): Resource[] {
    return [...this.byPath.values()].sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
    );
  }

  private claimVariable(parentPath: string, segment: string, location: string): void {
    const existing = this.variableChild.get(parentPath);
    if (existing && existing !== segment) {
      throw new DefinitionError(
        `A sibling (${existing}) of resource '${segment}' under '${parentPath}' already has a variable path part -- only one is allowed`,
        location,
      );
    }
    this.variableChild.set(parentPath, segment);
  }
}
