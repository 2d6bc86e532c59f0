import { isObject, type JsonObject } from '../util/json';
import { OAS3_SCHEMA_PREFIX, rewriteRefs, SWAGGER_SCHEMA_PREFIX } from './openapi-refs';

/**
 * Operations are kept in OpenAPI 3 form whatever the source document was, so one model serves
 * both export formats. These convert a Swagger 2.0 operation to that form on import, and back
 * on a Swagger export. Conversion is as lossy as the formats force it to be (a Swagger
 * non-body parameter can only carry a primitive schema), never more.
 */

const SCHEMA_FIELDS = [
  'type',
  'format',
  'items',
  'default',
  'enum',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
] as const;
const PRIMITIVE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array']);
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);
export const DEFAULT_MEDIA_TYPES = ['application/json'];

export function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

function extensionsOf(value: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([key]) => key.startsWith('x-')));
}

function pick(source: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

// ---- Swagger 2.0 → OpenAPI 3 (import) -------------------------------------------------------

function swaggerSchema(source: JsonObject): JsonObject {
  const schema = pick(source, SCHEMA_FIELDS);
  if (schema.type === 'file') Object.assign(schema, { type: 'string', format: 'binary' });
  return schema;
}

export interface SwaggerMediaTypes {
  consumes: string[];
  produces: string[];
}

/**
 * `parameters` are the operation's and its path item's, already resolved and merged;
 * `responses` are already resolved.
 */
export function swaggerOperationToOas3(
  op: JsonObject,
  parameters: JsonObject[],
  responses: Record<string, JsonObject>,
  media: SwaggerMediaTypes,
): JsonObject {
  const consumes = stringList(op.consumes) ?? media.consumes;
  const produces = stringList(op.produces) ?? media.produces;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(op)) {
    if (!['consumes', 'produces', 'schemes', 'parameters', 'responses'].includes(key)) {
      out[key] = value;
    }
  }
  const plain: JsonObject[] = [];
  const form: JsonObject[] = [];
  let body: JsonObject | undefined;
  for (const param of parameters) {
    if (param.in === 'body') body = param;
    else if (param.in === 'formData') form.push(param);
    else {
      const keys = ['name', 'in', 'description', 'required', 'allowEmptyValue'];
      plain.push({ ...pick(param, keys), schema: swaggerSchema(param), ...extensionsOf(param) });
    }
  }
  if (plain.length) out.parameters = plain;
  if (body) {
    const schema = body.schema ?? {};
    out.requestBody = {
      ...pick(body, ['description', 'required']),
      content: Object.fromEntries(consumes.map((type) => [type, { schema }])),
    };
  } else if (form.length) {
    out.requestBody = formRequestBody(form, consumes);
  }
  out.responses = Object.fromEntries(
    Object.entries(responses).map(([code, response]) => [
      code,
      swaggerResponse(response, produces),
    ]),
  );
  return rewriteRefs(out, SWAGGER_SCHEMA_PREFIX, OAS3_SCHEMA_PREFIX) as JsonObject;
}

function formRequestBody(form: JsonObject[], consumes: string[]): JsonObject {
  const hasFile = form.some((p) => p.type === 'file');
  const declared = consumes.filter((type) => FORM_TYPES.has(type));
  const types = declared.length
    ? declared
    : [hasFile ? 'multipart/form-data' : 'application/x-www-form-urlencoded'];
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const param of form) {
    const name = String(param.name);
    properties[name] = { ...swaggerSchema(param), ...pick(param, ['description']) };
    if (param.required === true) required.push(name);
  }
  const schema: JsonObject = { type: 'object', properties };
  if (required.length) schema.required = required;
  return { content: Object.fromEntries(types.map((type) => [type, { schema }])) };
}

function swaggerResponse(response: JsonObject, produces: string[]): JsonObject {
  const out: JsonObject = { description: response.description ?? '' };
  if (isObject(response.headers)) {
    out.headers = Object.fromEntries(
      Object.entries(response.headers).map(([name, header]) => {
        const h = isObject(header) ? header : {};
        return [name, { ...pick(h, ['description']), schema: swaggerSchema(h) }];
      }),
    );
  }
  if (response.schema !== undefined) {
    out.content = Object.fromEntries(produces.map((type) => [type, { schema: response.schema }]));
  }
  return { ...out, ...extensionsOf(response) };
}

// ---- OpenAPI 3 → Swagger 2.0 (export) -------------------------------------------------------

function flatSchema(schema: unknown): JsonObject {
  if (!isObject(schema) || schema.$ref !== undefined || !PRIMITIVE_TYPES.has(String(schema.type))) {
    return { type: 'string' };
  }
  return pick(schema, SCHEMA_FIELDS);
}

/** The operation in Swagger form, with its own `consumes` / `produces`. */
export function oas3OperationToSwagger(op: JsonObject): JsonObject {
  const out: JsonObject = {};
  const consumes: string[] = [];
  const produces = new Set<string>();
  for (const [key, value] of Object.entries(op)) {
    if (!['parameters', 'requestBody', 'responses', 'callbacks', 'servers'].includes(key)) {
      out[key] = value;
    }
  }
  const parameters: JsonObject[] = [];
  for (const param of Array.isArray(op.parameters) ? op.parameters : []) {
    if (!isObject(param) || param.in === 'cookie') continue;
    const keys = ['name', 'in', 'description', 'required', 'allowEmptyValue'];
    parameters.push({ ...pick(param, keys), ...flatSchema(param.schema), ...extensionsOf(param) });
  }
  if (isObject(op.requestBody) && isObject(op.requestBody.content)) {
    const body = op.requestBody;
    const content = Object.entries(body.content as JsonObject);
    consumes.push(...content.map(([type]) => type));
    const schema = content.map(([, media]) => (isObject(media) ? media.schema : undefined))[0];
    const formSchema = isObject(schema) && isObject(schema.properties) ? schema : undefined;
    if (formSchema && consumes.every((type) => FORM_TYPES.has(type))) {
      const required = stringList(formSchema.required) ?? [];
      for (const [name, prop] of Object.entries(formSchema.properties as JsonObject)) {
        const flat = flatSchema(prop);
        if (isObject(prop) && prop.format === 'binary') {
          flat.type = 'file';
          delete flat.format;
        }
        const description = isObject(prop) ? pick(prop, ['description']) : {};
        const req = required.includes(name) ? { required: true } : {};
        parameters.push({ name, in: 'formData', ...description, ...req, ...flat });
      }
    } else {
      const extra = pick(body, ['description', 'required']);
      parameters.push({ name: 'body', in: 'body', ...extra, schema: schema ?? { type: 'object' } });
    }
  }
  if (parameters.length) out.parameters = parameters;
  const responses: JsonObject = {};
  for (const [code, response] of Object.entries(isObject(op.responses) ? op.responses : {})) {
    if (!isObject(response)) continue;
    const converted: JsonObject = { description: response.description ?? '' };
    if (isObject(response.content)) {
      const content = Object.entries(response.content);
      content.forEach(([type]) => produces.add(type));
      const media = content[0]?.[1];
      if (isObject(media) && media.schema !== undefined) converted.schema = media.schema;
    }
    if (isObject(response.headers)) {
      converted.headers = Object.fromEntries(
        Object.entries(response.headers).map(([name, header]) => {
          const h = isObject(header) ? header : {};
          return [name, { ...pick(h, ['description']), ...flatSchema(h.schema) }];
        }),
      );
    }
    responses[code] = { ...converted, ...extensionsOf(response) };
  }
  out.responses = responses;
  if (consumes.length) out.consumes = consumes;
  if (produces.size) out.produces = [...produces];
  return rewriteRefs(out, OAS3_SCHEMA_PREFIX, SWAGGER_SCHEMA_PREFIX) as JsonObject;
}
