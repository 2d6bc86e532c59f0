import type { Integration } from '@portico/definitions';
import type { InvocationRequest, InvocationResponse } from '../integration.types';
import { applyIntegrationResponse, renderOrFail } from '../mapping/integration-response';
import { buildTemplateInput, lazyTemplateContext } from '../mapping/template-context';
import { selectRequestTemplate } from '../mapping/template-selection';

/**
 * MOCK, as AWS does it: the request template's output carries `statusCode`, which selects the
 * integration response by selectionPattern; without a request template the default integration
 * response answers. The response template sees the request body as `$input`; without one the
 * body is empty.
 */
export class MockIntegration {
  constructor(private readonly defaultAccountId: string) {}

  async invoke(integration: Integration, req: InvocationRequest): Promise<InvocationResponse> {
    const started = performance.now();
    // Built only if a template or mapping reads it: a static mock never does.
    const context = lazyTemplateContext(req, req.accountId || this.defaultAccountId);
    const choice = selectRequestTemplate(integration, req.headers['content-type']?.at(-1));
    const requestBody = req.body.empty ? '' : (await req.body.readAll()).toString('utf8');
    let selector: string | undefined;
    if (choice.kind === 'template' && choice.template.trim() !== '') {
      const rendered = renderOrFail(choice.template, () => ({
        context: context(),
        stageVariables: req.stageVariables,
        input: buildTemplateInput(req, requestBody),
      }));
      selector = statusCodeOf(rendered);
    }
    const mapped = applyIntegrationResponse(
      integration.responses,
      { selector, headers: {}, body: Buffer.alloc(0), templateBody: requestBody },
      req,
      context,
    );
    return { ...mapped, integrationLatencyMs: performance.now() - started };
  }
}

// A static request template renders to the same string every time: its status is read once.
let lastRendered: string | undefined;
let lastStatus: string | undefined;

/**
 * The `statusCode` of the rendered request template. Templates often produce loose JSON
 * (`{ "statusCode": 200 }` with stray whitespace or trailing text), so a field match backs up
 * the parser.
 */
export function statusCodeOf(rendered: string): string | undefined {
  if (rendered === lastRendered) return lastStatus;
  const status = parseStatusCode(rendered);
  lastRendered = rendered;
  lastStatus = status;
  return status;
}

function parseStatusCode(rendered: string): string | undefined {
  try {
    const parsed = JSON.parse(rendered) as unknown;
    if (parsed !== null && typeof parsed === 'object' && 'statusCode' in parsed) {
      const code = (parsed as { statusCode: unknown }).statusCode;
      if (typeof code === 'number' || typeof code === 'string') return String(code);
    }
    return undefined;
  } catch {
    return /"statusCode"\s*:\s*"?(\d{3})"?/.exec(rendered)?.[1];
  }
}
