// The Lambda handler behind the bench's WebSocket API `benchws` (route selection expression
// `$request.body.action`). It does as little as a handler can, so the run measures the gateway,
// the connections service and the function runner, not work:
//
//   $connect  accept; with `?join=<topic>` join that channel (for the fan-out scenario)
//   echo      two-way: answers with the message itself (it carries the sender's sequence number)
//   whoami    two-way: answers with the connection's id (what @connections posts are sent to)
const accepted = { statusCode: 200 };

export const handler = async (event) => {
  const { routeKey, connectionId } = event.requestContext;
  switch (routeKey) {
    case '$connect': {
      const topic = event.queryStringParameters?.join;
      return topic ? { statusCode: 200, headers: { 'X-Portico-Join': topic } } : accepted;
    }
    case 'echo':
      return { statusCode: 200, body: event.body };
    case 'whoami':
      return { statusCode: 200, body: connectionId };
    default:
      return { statusCode: 400, body: `no route ${routeKey}` };
  }
};
