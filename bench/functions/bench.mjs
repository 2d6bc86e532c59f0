// The Lambda handler behind the bench API's GET /function (aws_proxy): it answers with the bench
// body and does nothing else, so the run measures the gateway and the function runner, not work.
import { BODY, CONTENT_TYPE } from '../lib/body.mjs';

const response = { statusCode: 200, headers: { 'content-type': CONTENT_TYPE }, body: BODY };

export const handler = async () => response;
