// The demo chat: an unchanged AWS Lambda handler (Node.js, ES module) for a WebSocket API whose
// route selection expression is `$request.body.action`. It runs on Portico's function runner as
// function `chat` (and would run on AWS Lambda behind an API Gateway WebSocket API as well).
//
//   $connect     accept; join channel `lobby` (and `?room=` when given); tag the connection
//   $disconnect  nothing to clean up: the gateway forgets the connection and its channels
//   join         {"action":"join","room":"x"}  → joins channel x, answers `joined x`
//   send         {"action":"send","text":"hi"} → answers {"you said":"hi"} (a route response)
//   $default     anything else → a short help message
//
// Broadcasting is the backend's job, not this handler's: `POST /prod/@channels/{room}` sends to
// every member of a channel, `POST /prod/@connections/{id}` to one connection (README.md).
//
// The X-Portico-* reply headers are Portico's: API Gateway ignores them, so on AWS the handler
// still accepts and answers, only without channels.

// What a channel name may contain (Portico's channel topic rule).
const ROOM = /^[A-Za-z0-9._~:@!$&'()*+,;=-]{1,128}$/;

const HELP =
  'Send {"action":"send","text":"…"} to be echoed, or {"action":"join","room":"…"} to join a room.';

export const handler = async (event) => {
  const { routeKey, connectionId, eventType } = event.requestContext;
  // The connectionId is what a backend posts to: POST /prod/@connections/{connectionId}.
  console.log(`${eventType} ${routeKey} connectionId=${connectionId}`);

  switch (routeKey) {
    case '$connect': {
      const query = event.queryStringParameters ?? {};
      const room = typeof query.room === 'string' && ROOM.test(query.room) ? query.room : undefined;
      const headers = { 'X-Portico-Join': room ? `lobby,${room}` : 'lobby' };
      if (room) headers['X-Portico-Tags'] = `room:${room}`;
      return { statusCode: 200, headers };
    }
    case '$disconnect':
      return { statusCode: 200 };
    case 'join': {
      const room = parse(event.body)?.room;
      if (typeof room !== 'string' || !ROOM.test(room)) {
        return { statusCode: 400, body: 'join needs a "room": letters, digits, ._~:@-' };
      }
      return { statusCode: 200, headers: { 'X-Portico-Join': room }, body: `joined ${room}` };
    }
    case 'send': {
      const text = parse(event.body)?.text ?? '';
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 'you said': text, connectionId }),
      };
    }
    default:
      return { statusCode: 200, body: HELP };
  }
};

function parse(body) {
  try {
    return JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
}
