/**
 * The one request client: adds the bearer token, parses problem+json into ApiError with a
 * message a person can read, and signs out on 401.
 */
import { session, signOut } from '../session.ts';
import { t } from '../messages.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface RequestOptions { method?: string; body?: unknown; raw?: Blob; headers?: Record<string, string>; signal?: AbortSignal }

async function problemOf(res: Response): Promise<ApiError> {
  let body: { code?: string; detail?: string; title?: string } = {};
  try {
    body = await res.json();
  } catch {
    // not problem+json: fall back on the status
  }
  const message = res.status === 401 ? t.common.unauthorised : res.status >= 500 ? t.common.serverError : body.detail ?? body.title ?? `${res.status}`;
  return new ApiError(res.status, body.code ?? `HTTP_${res.status}`, message);
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  let body: BodyInit | undefined;
  if (options.raw) {
    body = options.raw;
    headers['content-type'] = options.raw.type;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body, signal: options.signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', t.common.networkError);
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && session.token) signOut();
    throw problem;
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? res.json() : res.blob()) as Promise<T>;
}

/** GET that treats 404 as "not there": for optional services (sensing) that may not be deployed. */
export async function optional<T>(path: string): Promise<T | null> {
  try {
    return await request<T>(path);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 501)) return null;
    throw error;
  }
}

export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
