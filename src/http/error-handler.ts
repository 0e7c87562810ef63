/** Turns every failure into problem+json; anything unexpected is logged and answered 500. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Problem, problemBody, type ErrorCode, type FieldError } from './errors.ts';
import type { ConsoleFiles } from './static.ts';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'CY_MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'CY_MALFORMED_BODY',
  FST_ERR_CTP_BODY_TOO_LARGE: 'CY_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CY_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'CY_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_TYPE: 'CY_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'CY_VALIDATION',
  FST_ERR_MAX_PARAM_LENGTH: 'CY_URI_TOO_LONG',
  FST_ERR_ASYNC_CONSTRAINT: 'CY_VALIDATION',
};

export function toProblem(error: FastifyError | Error): Problem | undefined {
  if (error instanceof Problem) return error;
  const fe = error as FastifyError;
  if (fe.validation) {
    const errors: FieldError[] = fe.validation.map((v) => ({
      pointer: `/${fe.validationContext ?? 'body'}${v.instancePath ?? ''}`,
      message: v.message ?? 'invalid',
    }));
    return new Problem('CY_VALIDATION', `${errors[0]?.pointer ?? fe.validationContext}: ${errors[0]?.message ?? fe.message}`, errors);
  }
  if (fe.code && FASTIFY_CODES[fe.code]) return new Problem(FASTIFY_CODES[fe.code], fe.message);
  if (error instanceof SyntaxError) return new Problem('CY_MALFORMED_BODY', error.message);
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const byStatus: Record<number, ErrorCode> = { 401: 'CY_UNAUTHENTICATED', 404: 'CY_NOT_FOUND', 405: 'CY_METHOD_NOT_ALLOWED', 413: 'CY_PAYLOAD_TOO_LARGE', 414: 'CY_URI_TOO_LONG', 415: 'CY_UNSUPPORTED_MEDIA_TYPE', 429: 'CY_RATE_LIMITED' };
    return new Problem(byStatus[fe.statusCode] ?? 'CY_VALIDATION', fe.message);
  }
  return undefined;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: Problem) {
  return reply
    .status(problem.status)
    .type('application/problem+json; charset=utf-8')
    .send(problemBody(problem, request.url.split('?')[0], request.id));
}

/**
 * Text PostgreSQL cannot store: U+0000, or half of a UTF-16 surrogate pair (a lone "\ud83d"
 * escape in JSON), in any string of the query, path or body. Refused at the edge as a
 * validation error, instead of failing deep inside a query.
 */
export function rejectUnstorableText(request: FastifyRequest): void {
  for (const [part, value] of [['querystring', request.query], ['params', request.params], ['body', request.body]] as const) {
    const found = unstorable(value, `/${part}`, 0);
    if (found) throw new Problem('CY_VALIDATION', `${found.pointer}: ${found.message}`, [found]);
  }
}

function unstorable(value: unknown, pointer: string, depth: number): { pointer: string; message: string } | undefined {
  if (typeof value === 'string') return problemOfText(value, pointer);
  if (!value || typeof value !== 'object' || depth > 32 || Buffer.isBuffer(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const path = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const found = problemOfText(key, path) ?? unstorable(item, path, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function problemOfText(text: string, pointer: string): { pointer: string; message: string } | undefined {
  if (text.includes('\u0000')) return { pointer, message: 'must not contain the NUL character (U+0000)' };
  if (!text.isWellFormed()) return { pointer, message: 'must be well-formed Unicode (a lone UTF-16 surrogate)' };
  return undefined;
}

/** `fallback` may answer requests no route matched (the web console's files) before the 404. */
export function installErrorHandling(app: FastifyInstance, fallback?: ConsoleFiles): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem) {
      if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, request, problem);
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendProblem(reply, request, new Problem('CY_INTERNAL', 'The server failed to handle this request; it has been logged.'));
  });
  app.setNotFoundHandler(async (request, reply) => {
    const served = fallback && await fallback(request, reply);
    return served ?? sendProblem(reply, request, new Problem('CY_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
  });
}
