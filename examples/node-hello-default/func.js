// Hello in the default (cold) format: one container per call; input from stdin, output to stdout.
'use strict';
const { handle } = require('@podfn/fdk');

handle((input, ctx) => {
  const who = (input && typeof input === 'object' ? input.name : input) || 'world';
  return `${ctx.config.GREETING || 'Hello'} ${who} (call ${ctx.callId})\n`;
});
