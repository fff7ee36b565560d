// Hello in the http (hot) format: the container stays up and serves calls on FN_LISTENER. A full
// response ({status, headers, body}) sets the status and headers the client sees.
'use strict';
const { handle } = require('@podfn/fdk');

let served = 0; // hot: state survives between calls of the same container

handle(async (input, ctx) => {
  served++;
  const who = (input && typeof input === 'object' ? input.name : input) || 'world';
  if (who === 'nobody') return { status: 404, body: { error: 'nobody is not here' } };
  return {
    status: 200,
    headers: { 'X-Served': String(served), 'X-Deadline': ctx.deadline.toISOString() },
    body: { greeting: `${ctx.config.GREETING || 'Hello'} ${who}`, method: ctx.method, call_id: ctx.callId },
  };
});
