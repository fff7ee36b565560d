// Structured JSON logs (pino). Call-scoped lines carry call_id through child loggers.
// Logger is the one logging interface of podfn: the pino subset every part logs through, so no part
// (and no test) depends on pino itself; parts that log less take a Pick of it. src/runner declares the
// same shape as RunnerLogger, because it may import nothing outside itself; src/main.ts hands it a
// Logger, which keeps the two shapes compatible at compile time.
// May import only pino.
import { pino } from 'pino';

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The process's root logger; src/main.ts hands each part a child of it (a Logger). */
export function createLogger(level: string): pino.Logger {
  return pino({ level, base: { svc: 'podfn' }, timestamp: pino.stdTimeFunctions.isoTime });
}
