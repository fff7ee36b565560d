// Structured JSON logs (pino). Call-scoped lines carry call_id through child loggers.
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: 'podfn' }, timestamp: pino.stdTimeFunctions.isoTime });
}
