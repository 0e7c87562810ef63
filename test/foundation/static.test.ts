import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../src/http/error-handler.ts';
import { consoleFiles } from '../../src/http/static.ts';

const root = mkdtempSync(join(tmpdir(), 'cy-web-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>城运</title>');
writeFileSync(join(root, 'assets', 'app-abc123.js'), 'console.log(1)');
writeFileSync(join(root, 'favicon.svg'), '<svg/>');
writeFileSync(join(root, '..', 'secret.txt'), 'nope');

const app = Fastify();
installErrorHandling(app, consoleFiles(root));
app.get('/api/v1/real', async () => ({ ok: true }));
await app.ready();
afterAll(() => app.close());

const html = { accept: 'text/html,application/xhtml+xml' };

describe('the console\'s static files', () => {
  it('serves index.html at / and for page paths (deep links), with a policy allowing its own scripts', async () => {
    for (const url of ['/', '/work/cas_1', '/m/track/2026']) {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('caches hashed assets for good', async () => {
    const res = await app.inject({ url: '/assets/app-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/javascript');
    expect(res.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/favicon.svg' })).headers['content-type']).toBe('image/svg+xml');
  });

  it('leaves API paths, missing files and escapes to problem+json 404s', async () => {
    for (const url of ['/api/v1/nothing', '/open311/v2/x', '/assets/missing.js', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/docs/nothing']) {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toContain('application/problem+json');
    }
    expect((await app.inject({ url: '/api/v1/real' })).json()).toEqual({ ok: true });
    expect((await app.inject({ url: '/work' })).statusCode).toBe(404);
  });
});
