import type { ApiDefinition } from '../model/api-definition';

export interface ImportOptions {
  /** ImportRestApi's `basepath` parameter: what to do with Swagger basePath / OAS3 servers[0] path. */
  basepath?: 'ignore' | 'prepend' | 'split';
  /** ImportRestApi's `failonwarnings`: turn warnings into a DefinitionError. */
  failOnWarnings?: boolean;
}

export interface ImportResult {
  definition: ApiDefinition;
  warnings: string[];
}

export interface ExportOptions {
  format: 'oas30' | 'swagger';
  api: { id: string; name: string; description?: string; version?: string };
  stage?: { stageName: string; variables: Record<string, string> };
  /** Host for servers[0] / `host`; defaults to `{api.id}.execute-api.localhost`. */
  host?: string;
  /** GetExport's `x-amazon-apigateway-extensions` choices; default `integrations`. */
  extensions?: 'integrations' | 'apigateway' | 'authorizers' | 'postman' | 'none';
}
