// An unchanged AWS Lambda handler (Node.js, ES module): the same file runs on AWS Lambda behind
// an API Gateway aws_proxy integration and on Portico's function runner (`portico-fn`).
export const handler = async (event, context) => {
  const name = event.pathParameters?.name ?? event.queryStringParameters?.name ?? 'world';
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'x-demo-function': context.functionName },
    body: JSON.stringify({
      message: `Hello, ${name}!`,
      // What the gateway put in the Lambda proxy event, so you can see it at work.
      event: {
        resource: event.resource,
        path: event.path,
        httpMethod: event.httpMethod,
        pathParameters: event.pathParameters,
        queryStringParameters: event.queryStringParameters,
        stageVariables: event.stageVariables,
        stage: event.requestContext?.stage,
        requestId: event.requestContext?.requestId,
        sourceIp: event.requestContext?.identity?.sourceIp,
        body: event.body,
        isBase64Encoded: event.isBase64Encoded,
      },
      context: {
        functionName: context.functionName,
        awsRequestId: context.awsRequestId,
        remainingTimeInMillis: context.getRemainingTimeInMillis(),
      },
    }),
  };
};
