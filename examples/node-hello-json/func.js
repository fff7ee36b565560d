// Hello in the json (hot) format: the FDK unwraps the gateway's JSON envelope into (input, ctx) and
// wraps the output back; the handler is the same shape as in every other format.
'use strict';
const { handle } = require('@podfn/fdk');

handle(async (input, ctx) => ({
  greeting: `${ctx.config.GREETING || 'Hello'} ${(input && input.name) || input || 'world'}`,
  request_url: ctx.requestUrl,
  user_agent: ctx.headers['user-agent'] || null,
}));
