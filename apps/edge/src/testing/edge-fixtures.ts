import type { DefinitionStore } from '@portico/definitions';
import {
  domainName,
  httpProxyIntegration,
  method,
  mockIntegration,
  putStage,
  resource,
} from './api-factory';

/** A MOCK whose body shows what the pipeline made of the request. */
export const echoMock = (label: string) =>
  mockIntegration(
    200,
    `{"api":"$context.apiId","stage":"$context.stage","label":"${label}","resource":"$context.resourcePath",` +
      `"path":"$context.path","id":"$input.params('id')","ip":"$context.identity.sourceIp"}`,
  );

export interface EchoBody {
  api: string;
  stage: string;
  label: string;
  resource: string;
  path: string;
  id: string;
  ip: string;
}

/**
 * - api1/prod and api1/dev: mocks that echo, `/up/{proxy+}` HTTP_PROXY to the upstream,
 *   `/slow` HTTP_PROXY to the upstream's `/slow`, `/dead` to a closed port;
 * - api2/prod: execute-api endpoint disabled;
 * - api3/prod: custom gateway responses;
 * - domain api.example.test: (none) → api1/prod, v2 → api1/dev, closed → api2/prod.
 */
export async function seedStandardApis(
  store: DefinitionStore,
  upstreamUrl: string,
  deadUrl: string,
): Promise<void> {
  const common = (label: string) => [
    resource('/', { GET: method('GET', echoMock(`${label}-root`)) }),
    resource('/pets', {
      GET: method('GET', echoMock(`${label}-pets`)),
      POST: method('POST', echoMock(`${label}-post`)),
    }),
    resource('/pets/{id}', { GET: method('GET', echoMock(`${label}-pet`)) }),
    resource('/up/{proxy+}', {
      ANY: method('ANY', httpProxyIntegration(`${upstreamUrl}/{proxy}`)),
    }),
    resource('/slow', { GET: method('GET', httpProxyIntegration(`${upstreamUrl}/slow`)) }),
    resource('/dead', { GET: method('GET', httpProxyIntegration(`${deadUrl}/x`, 'GET')) }),
  ];
  await putStage(store, {
    apiId: 'api1',
    stageName: 'prod',
    resources: common('prod'),
    deploymentId: 'dprod',
  });
  await putStage(store, {
    apiId: 'api1',
    stageName: 'dev',
    resources: common('dev'),
    deploymentId: 'ddev',
  });
  await putStage(store, {
    apiId: 'api2',
    stageName: 'prod',
    resources: [resource('/x', { GET: method('GET', echoMock('closed')) })],
    disableExecuteApiEndpoint: true,
  });
  await putStage(store, {
    apiId: 'api3',
    stageName: 'prod',
    resources: [resource('/only', ['GET'])],
    variables: { team: 'pets' },
    gatewayResponses: {
      MISSING_AUTHENTICATION_TOKEN: {
        responseType: 'MISSING_AUTHENTICATION_TOKEN',
        statusCode: '404',
        responseParameters: {
          'gatewayresponse.header.X-Portico-Test': "'missing'",
          'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.origin',
          'gatewayresponse.header.X-Team': 'stageVariables.team',
        },
        responseTemplates: {
          'application/json':
            '{"error":$context.error.messageString,"requestId":"$context.requestId"}',
        },
      },
      DEFAULT_4XX: {
        responseType: 'DEFAULT_4XX',
        responseParameters: { 'gatewayresponse.header.X-Default-4xx': "'yes'" },
        responseTemplates: {},
      },
    },
  });
  await store.putDomain(
    domainName('api.example.test', [
      { basePath: '(none)', restApiId: 'api1', stage: 'prod' },
      { basePath: 'v2', restApiId: 'api1', stage: 'dev' },
      { basePath: 'closed', restApiId: 'api2', stage: 'prod' },
    ]),
  );
}
