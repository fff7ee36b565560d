// The API's error type: an HTTP status and the message clients see as {"error":{"message":...}}.
// Messages follow the seed (IronFunctions 0.1.18); statuses as docs/api.md (Admin API) and docs/compatibility.md list.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);

export const Errors = {
  invalidJson: () => badRequest('Invalid JSON'),
  appNotFound: () => notFound('App not found'),
  routeNotFound: () => notFound('Route not found'),
  appExists: () => conflict('App already exists'),
  routeExists: () => conflict('Route already exists'),
  appHasRoutes: () => badRequest('Cannot remove apps with routes'),
} as const;
