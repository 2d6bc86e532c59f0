import { HTTP_METHODS } from './api-definition';

/** The key of the settings every method of a stage inherits. */
export const ALL_METHODS_SETTING_KEY = '*/*';

/** HTTP methods a method-settings key may name; `*` stands for every method of its resource. */
const SETTING_METHODS = new Set<string>([...HTTP_METHODS, 'ANY', '*']);

/** The method a `Stage.methodSettings` key applies to; `*` stands for every resource or method. */
export interface MethodSettingTarget {
  resourcePath: string;
  httpMethod: string;
}

/**
 * Reads a `Stage.methodSettings` key. AWS keeps each key as the UpdateStage patch path wrote
 * it, and both spellings in use name the same method: `~1pets~1{id}/GET` (JSON-Pointer
 * escaped, as the console and the CLI write it) and `pets/{id}/GET` (as Terraform writes it).
 * Undefined when the key names no method.
 */
export function methodSettingTarget(key: string): MethodSettingTarget | undefined {
  const slash = key.lastIndexOf('/');
  if (slash < 0) return undefined;
  const resource = key.slice(0, slash);
  const httpMethod = key.slice(slash + 1);
  if (!SETTING_METHODS.has(httpMethod)) return undefined;
  if (resource === '*') {
    return httpMethod === '*' ? { resourcePath: '*', httpMethod } : undefined;
  }
  const path = resource.replace(/~1/g, '/').replace(/~0/g, '~');
  const resourcePath = path.startsWith('/') ? path : `/${path}`;
  if (resourcePath.length > 1 && resourcePath.split('/').slice(1).includes('')) return undefined;
  return { resourcePath, httpMethod };
}
