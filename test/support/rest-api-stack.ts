import { CreateDeploymentCommand, ImportRestApiCommand } from '@aws-sdk/client-api-gateway';
import type { RunningService } from '@portico/platform';
import type { TestInfra } from '@portico/testing';
import { request } from 'undici';
import { managementClient, startTestControl, startTestEdge } from './services';

/** A Lambda invocation URI for the function-runner function `name`, as an integration or authorizer names it. */
export const lambdaUri = (name: string): string =>
  `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${name}/invocations`;

export interface EdgeAnswer {
  status: number;
  errorType: string | string[] | undefined;
  text: string;
}

/** A control and an edge on the suite's infra, one REST API imported and deployed to a stage. */
export interface RestApiStack {
  control: RunningService;
  edge: RunningService;
  apiId: string;
  /** A GET of `path` on the stage, through the edge. */
  call(path: string, headers?: Record<string, string>): Promise<EdgeAnswer>;
  close(): Promise<void>;
}

/**
 * Starts control and edge through their bootstrap(), imports `openApi` with the AWS SDK
 * (failOnWarnings) and deploys it to `stage`. The caller waits for the stage to be served.
 */
export async function startRestApiStack(
  infra: TestInfra,
  openApi: string,
  options: { stage?: string; edgeEnv?: Record<string, string> } = {},
): Promise<RestApiStack> {
  const stage = options.stage ?? 'prod';
  const control = await startTestControl(infra);
  const edge = await startTestEdge(infra, options.edgeEnv);
  const close = async () => {
    await Promise.allSettled([edge.close(), control.close()]);
  };
  const sdk = managementClient(control);
  let apiId: string;
  try {
    const api = await sdk.send(
      new ImportRestApiCommand({ body: Buffer.from(openApi), failOnWarnings: true }),
    );
    apiId = api.id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: stage }));
  } catch (err) {
    await close();
    throw err;
  } finally {
    sdk.destroy();
  }
  const call = async (path: string, headers: Record<string, string> = {}) => {
    const res = await request(
      `http://127.0.0.1:${edge.port}/restapis/${apiId}/${stage}/_user_request_${path}`,
      { headers },
    );
    return {
      status: res.statusCode,
      errorType: res.headers['x-amzn-errortype'],
      text: await res.body.text(),
    };
  };
  return { control, edge, apiId, call, close };
}
