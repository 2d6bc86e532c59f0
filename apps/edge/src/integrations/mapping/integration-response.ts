import type { IntegrationResponse } from '@portico/definitions';
import { IntegrationFailure, type InvocationRequest } from '../integration.types';
import { mapResponseParameters } from './parameter-mapping';
import { buildTemplateInput } from './template-context';
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
  /** `$input.body` of the response templates. */
  templateBody: string;
  contentType?: string;
}

function configurationError(detail: string, cause?: unknown): IntegrationFailure {
  const failure = new IntegrationFailure(
    'API_CONFIGURATION_ERROR',
    500,
    detail,
    'Internal server error',
  );
  if (cause !== undefined) failure.cause = cause;
  return failure;
}

/** Renders a mapping template, turning a broken one into the 500 AWS answers with. */
export function renderOrFail(template: string, vars: TemplateVariables): string {
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
  context: Record<string, unknown>,
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
  const statusCode = Number(response.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw configurationError(
      `Integration response has an invalid statusCode: ${response.statusCode}`,
    );
  }
  const bodyText = backend.body.toString('utf8');
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
    body = renderOrFail(chosen.template, {
      context,
      stageVariables: req.stageVariables,
      input: buildTemplateInput(req, backend.templateBody),
    });
    contentType = chosen.contentType;
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
