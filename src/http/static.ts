/**
 * The web console and citizen portal (web/dist, built by Vite) served from `/` as the server's
 * not-found fallback, so every route (and Open311's own 404s) comes first. Hashed assets
 * are cached for good; index.html is revalidated. Paths that look like pages (no extension,
 * HTML accepted) fall back to index.html, so deep links work; the API, Open311 and the docs
 * keep their own 404s.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.webmanifest': 'application/manifest+json', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
};

/** The page may load its own scripts, styles and workers, call its own API, show blob: photos. */
export const CONSOLE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' blob: data:",
  "worker-src 'self' blob:", "connect-src 'self'", "font-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
].join('; ');

const API_PREFIXES = ['/api/', '/open311/', '/docs', '/health', '/ready'];

async function fileIn(root: string, urlPath: string): Promise<{ path: string; size: number } | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const path = normalize(join(root, decoded));
  if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? { path, size: info.size } : undefined;
}

function send(reply: FastifyReply, file: { path: string; size: number }, immutable: boolean) {
  return reply
    .type(TYPES[extname(file.path)] ?? 'application/octet-stream')
    .header('content-length', file.size)
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('content-security-policy', CONSOLE_CSP)
    .send(createReadStream(file.path));
}

/**
 * The not-found fallback that serves the console: a file under `root`, or index.html for a page
 * path; undefined when the request is not the console's (the caller answers 404).
 */
export function consoleFiles(root = WEB_DIST) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const urlPath = request.url.split('?')[0];
    if (API_PREFIXES.some((p) => urlPath === p.replace(/\/$/, '') || urlPath.startsWith(p))) return undefined;
    const file = urlPath === '/' ? undefined : await fileIn(root, urlPath);
    if (file) return send(reply, file, urlPath.startsWith('/assets/'));
    const page = !extname(urlPath) && (request.headers.accept ?? '').includes('text/html');
    if (!page) return undefined;
    const index = await fileIn(root, 'index.html');
    if (!index) return reply.type('text/plain; charset=utf-8').status(503).send('The web console is not built: run `npm run build:web`.');
    return send(reply, index, false);
  };
}

export type ConsoleFiles = ReturnType<typeof consoleFiles>;
