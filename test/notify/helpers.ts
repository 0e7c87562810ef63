/** Test helpers: domain events, a real text/event-stream client over node:http, polling. */
import { request, type IncomingHttpHeaders } from 'node:http';
import type { DomainEvent } from '../../src/events/bus.ts';
import { newId } from '../../src/ids.ts';
import { readFrames, type SseFrame } from '../support/sse.ts';

export function domainEvent(type: string, scope: Partial<DomainEvent['scope']>, at: string, payload: unknown = {}): DomainEvent {
  return {
    id: newId('evt'), type, at, subject: { type: 'case', id: newId('case') },
    scope: { divisionCodes: scope.divisionCodes ?? [], unitIds: scope.unitIds ?? [], userIds: scope.userIds ?? [] }, payload,
  };
}

export type SseMessage = Omit<SseFrame, 'comments'>;

export interface StreamClient {
  status: number;
  headers: IncomingHttpHeaders;
  /** Events received so far (comments excluded). */
  messages: SseMessage[];
  comments: string[];
  /** The raw body for non-200 answers. */
  body(): string;
  /** Resolves when `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<SseMessage[]>;
  ended: Promise<void>;
  close(): void;
}

/** Opens GET `path` on 127.0.0.1:`port` and parses the event stream as it arrives. */
export function openStream(port: number, path: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let raw = '';
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      const waiters: (() => void)[] = [];
      const ended = new Promise<void>((done) => { res.on('close', () => done()); res.on('end', () => done()); });
      readFrames(res, ({ comments: lines, ...message }) => {
        comments.push(...lines);
        if (message.event !== undefined || message.data !== undefined) messages.push(message);
        for (const w of waiters.splice(0)) w();
      }, (chunk) => { raw += chunk; });
      const client: StreamClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        comments,
        body: () => raw,
        ended,
        async waitFor(count, timeoutMs = 5000) {
          const deadline = Date.now() + timeoutMs;
          while (messages.length < count) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`expected ${count} messages, got ${messages.length}: ${JSON.stringify(messages)}`);
            await new Promise<void>((wake) => {
              const t = setTimeout(wake, left);
              waiters.push(() => { clearTimeout(t); wake(); });
            });
          }
          return messages;
        },
        close: () => req.destroy(),
      };
      resolve(client);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls until `check` returns a truthy value. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
