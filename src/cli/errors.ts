// Exit codes of the podfn CLI (scripts rely on them) and the error type that carries one. Every
// failure ends up as one line on stderr, "podfn: <what went wrong>", plus an optional hint saying what to do.
export const EXIT = {
  OK: 0,
  /** anything else: a call answered with an error status, an unexpected failure */
  FAILED: 1,
  /** bad command line */
  USAGE: 2,
  /** the app, route or call does not exist (404) */
  NOT_FOUND: 3,
  /** the gateway refused the request (400, 409, 413: bad value, already exists, not empty) */
  REJECTED: 4,
  /** the gateway or Podman could not be reached, or answered 5xx */
  UNAVAILABLE: 5,
  /** func.yaml missing or invalid */
  BAD_FUNC: 6,
  /** the image build failed */
  BUILD_FAILED: 7,
  /** the gateway wants an admin token (401/403) */
  UNAUTHORIZED: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly code: ExitCode = EXIT.FAILED,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function usage(message: string, hint?: string): CliError {
  return new CliError(message, EXIT.USAGE, hint ?? 'run `podfn help` for the commands and their options');
}
