/**
 * The one error catalogue. Every refusal the API gives is one of these, sent as
 * RFC 9457 problem+json: { type, title, status, code, detail, instance, errors? }.
 * Codes are stable; titles are English, `detail` says what exactly was wrong.
 */

export const ERRORS = {
  CY_MALFORMED_BODY: { status: 400, title: 'Request body is not valid JSON' },
  CY_VALIDATION: { status: 400, title: 'Request does not match the schema' },
  CY_UNAUTHENTICATED: { status: 401, title: 'Sign-in required' },
  CY_BAD_CREDENTIALS: { status: 401, title: 'Wrong username or password' },
  CY_FORBIDDEN: { status: 403, title: 'Not allowed for your role' },
  CY_NOT_FOUND: { status: 404, title: 'No such resource' },
  CY_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CY_CONFLICT: { status: 409, title: 'Conflicts with the current state' },
  CY_PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  CY_URI_TOO_LONG: { status: 414, title: 'A path segment is too long' },
  CY_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type' },
  CY_OUT_OF_AREA: { status: 422, title: 'Location is outside the city' },
  CY_UNPROCESSABLE: { status: 422, title: 'Request cannot be processed' },
  CY_LOCKED: { status: 423, title: 'Account temporarily locked' },
  CY_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  CY_INTERNAL: { status: 500, title: 'Internal error' },
  CY_NOT_READY: { status: 503, title: 'Service not ready' },
  CY_INGEST_BUSY: { status: 503, title: 'Ingest queue full, retry after the given seconds' },
  CY_READINGS_REJECTED: { status: 422, title: 'Every reading in the batch was refused' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface FieldError {
  /** JSON pointer into the request part, e.g. '/body/location/lat'. */
  pointer: string;
  message: string;
}

export class Problem extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  /** Extension members (RFC 9457 §3.2), e.g. the actions still allowed on a case. */
  readonly extensions: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, detail?: string, errors?: FieldError[], extensions?: Record<string, unknown>) {
    super(detail ?? ERRORS[code].title);
    this.code = code;
    this.status = ERRORS[code].status;
    this.errors = errors;
    this.extensions = extensions;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function problemBody(problem: Problem, instance?: string, requestId?: string): ProblemBody {
  return {
    type: `https://chengyun.dev/problems/${problem.code.toLowerCase().replaceAll('_', '-')}`,
    title: ERRORS[problem.code].title,
    status: problem.status,
    code: problem.code,
    detail: problem.message,
    ...(instance ? { instance } : {}),
    ...(requestId ? { requestId } : {}),
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extensions,
  };
}

/** The 404 used for both "does not exist" and "exists outside your jurisdiction", so ids leak nothing. */
export function notFound(what: string, id: string): Problem {
  return new Problem('CY_NOT_FOUND', `${what} ${id} not found`);
}
