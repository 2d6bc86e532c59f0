import type { IntegrationResponse } from '@portico/definitions';
import { configurationError, isValidHeaderName, isValidHeaderValue } from '../integration-errors';
import type { InvocationRequest } from '../integration.types';
import { mapResponseParameters } from './parameter-mapping';
import { buildTemplateInput, type ContextSource, resolveContext } from './template-context';
import {
  DEFAULT_MEDIA_TYPE,
  selectIntegrationResponse,
  selectResponseTemplate,
} from './template-selection';
import { renderTemplate, TemplateError, type TemplateVariables } from './vtl';

export interface MappedResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export interface BackendResult {
  /** What selectionPattern is matched against: the backend status code (or the mock's statusCode). */
  selector: string | undefined;
  /** Lower-cased names. */
  headers: Record<string, string[]>;
  body: Buffer;
  /**
   * `$input.body` of the response templates: the text of `body` whenever `body` is not empty
   * (MOCK, whose body is empty, shows the request body here).
   */
  templateBody: string;
  contentType?: string;
}

/**
 * Renders a mapping template, turning a broken one into the 500 AWS answers with. `vars` may be a
 * function, called only when the template is not static.
 */
export function renderOrFail(
  template: string,
  vars: TemplateVariables | (() => TemplateVariables),
): string {
  try {
    return renderTemplate(template, vars);
  } catch (err) {
    if (err instanceof TemplateError) throw configurationError(err.message, err);
    throw err;
  }
}

/**
 * The non-proxy response path (HTTP and MOCK): choose the integration response by
 * selectionPattern, then apply its status code, responseParameters and responseTemplates.
 */
export function applyIntegrationResponse(
  responses: IntegrationResponse[],
  backend: BackendResult,
  req: InvocationRequest,
  context: ContextSource,
): MappedResponse {
  const response =
    backend.selector === undefined
      ? responses.find((r) => r.selectionPattern === 'default' || r.selectionPattern === '')
      : selectIntegrationResponse(responses, backend.selector);
  if (!response) {
    throw configurationError(
      `No match for output mapping and no default output mapping configured (backend status ${backend.selector ?? 'none'})`,
    );
  }
  let statusCode = validStatus(response.statusCode);
  if (statusCode === undefined) {
    throw configurationError(
      `Integration response has an invalid statusCode: ${response.statusCode}`,
    );
  }
  // A body-less backend (MOCK) has no text to decode; otherwise templateBody is the body's text.
  const bodyText = backend.body.length === 0 ? '' : backend.templateBody;
  const headers = mapResponseParameters(response.responseParameters, {
    headers: backend.headers,
    body: bodyText,
    stageVariables: req.stageVariables,
    context,
  });
  const chosen = selectResponseTemplate(response.responseTemplates, req.headers.accept?.join(','));
  let body: Buffer | string;
  let contentType: string;
  if (chosen && chosen.template.trim() !== '') {
    // `#set($context.responseOverride.status = 400)` and `.header.X = …`, as in API Gateway.
    const override: ResponseOverride = { header: {} };
    body = renderOrFail(chosen.template, () => ({
      context: { ...resolveContext(context), responseOverride: override },
      stageVariables: req.stageVariables,
      input: buildTemplateInput(req, backend.templateBody),
    }));
    contentType = chosen.contentType;
    statusCode = applyOverride(override, headers) ?? statusCode;
  } else {
    // An empty or absent template passes the backend body through unchanged.
    body = backend.body;
    contentType = chosen?.contentType ?? backend.contentType ?? DEFAULT_MEDIA_TYPE;
  }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = contentType;
  }
  return { statusCode, headers, body };
}

interface ResponseOverride {
  status?: unknown;
  header: Record<string, unknown>;
}

function validStatus(value: unknown): number | undefined {
  const code = Number(value);
  return Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined;
}

/** Applies what a response template set on `$context.responseOverride`; returns the new status. */
function applyOverride(
  override: ResponseOverride,
  headers: Record<string, string>,
): number | undefined {
  for (const [name, value] of Object.entries(override.header ?? {})) {
    if (value === undefined || value === null || typeof value === 'object') continue;
    const text = String(value);
    if (!isValidHeaderName(name) || !isValidHeaderValue(text)) {
      throw configurationError(
        `responseOverride set header ${JSON.stringify(name)} to a value a header cannot carry`,
      );
    }
    headers[name] = text;
  }
  if (override.status === undefined || override.status === null || override.status === '') {
    return undefined;
  }
  const status = validStatus(override.status);
  if (status === undefined) {
    throw configurationError(
      `responseOverride.status is not an HTTP status: ${String(override.status)}`,
    );
  }
  return status;
}
