import { randomBytes } from 'node:crypto';
import type { LambdaContext } from './lambda.types';

export interface FunctionIdentity {
  functionName: string;
  region: string;
  accountId: string;
  memoryLimitInMB: number;
  /** One per runner process, as Lambda has one per execution environment. */
  logStreamName: string;
}

export function newLogStreamName(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

export function createLambdaContext(
  identity: FunctionIdentity,
  awsRequestId: string,
  deadline: number,
): LambdaContext {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: identity.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${identity.region}:${identity.accountId}:function:${identity.functionName}`,
    memoryLimitInMB: String(identity.memoryLimitInMB),
    awsRequestId,
    logGroupName: `/aws/lambda/${identity.functionName}`,
    logStreamName: identity.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}
