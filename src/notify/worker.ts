/**
 * The webhook worker: claims due deliveries, POSTs them signed to the configured URL and
 * records every attempt; failures retry with backoff until given up. Claims skip rows other
 * workers hold, so every node may run one. Time comes from ctx.clock, so tests drive it.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AppContext } from '../app.ts';
import * as store from './store.ts';
import { nextAttemptAt, webhookRequest } from './webhook-rules.ts';

export interface WorkerOptions {
  /** Pause between polls when nothing is due. */
  intervalMs: number;
  /** Longest wait for a receiver's answer. */
  timeoutMs?: number;
  /** Deliveries claimed and sent at once. */
  batch?: number;
}

export const DELIVERY_TIMEOUT_MS = 10_000;
const BATCH = 20;
/** Longer than any attempt takes, so a lease runs out only when its worker died. */
const LEASE_MS = 5 * 60_000;
/** Delivery history and the log behind stream resume are kept this long. */
export const EVENT_RETENTION_MS = 30 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * POSTs once and resolves with the status code. Redirects are not followed, so deliveries go
 * to the configured URL and nowhere else; every delivery opens its own connection, so no
 * pooled socket the receiver has meanwhile closed can fail it.
 */
function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false }, (res) => {
      // The answer's body is not used; drain it so the connection can finish.
      res.on('error', () => undefined);
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(body);
  });
}

function describeFailure(error: unknown): string {
  const text = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
  return text.slice(0, 500);
}

async function attempt(ctx: AppContext, delivery: store.DueDelivery, timeoutMs: number): Promise<void> {
  const at = ctx.clock();
  const request = webhookRequest(delivery.event, delivery.id, delivery.secret, at);
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    statusCode = await post(delivery.url, request.headers, request.body, timeoutMs);
  } catch (failure) {
    error = describeFailure(failure);
  }
  const durationMs = Math.round(performance.now() - started);
  const number = delivery.attempts + 1;
  const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
  const nextAt = ok ? null : nextAttemptAt(number, at);
  await ctx.db.transaction((tx) => store.recordAttempt(tx, delivery.id, number, { at, durationMs, statusCode, error }, {
    status: ok ? 'delivered' : nextAt ? 'pending' : 'failed', nextAt,
  }));
}

/** One pass: sends the deliveries due now (up to a batch); returns how many were attempted. */
export async function deliverDueWebhooks(ctx: AppContext, options: { timeoutMs?: number; batch?: number } = {}): Promise<number> {
  const now = ctx.clock();
  const due = await ctx.db.transaction((tx) => store.claimDueDeliveries(tx, now, new Date(now.getTime() + LEASE_MS), options.batch ?? BATCH));
  await Promise.all(due.map((d) => attempt(ctx, d, options.timeoutMs ?? DELIVERY_TIMEOUT_MS).catch((error) => {
    ctx.log.error({ err: error, delivery: d.id }, 'webhook attempt could not be recorded');
  })));
  return due.length;
}

/** Forgets events (and their deliveries) past the retention period. */
export async function pruneEventLog(ctx: AppContext): Promise<number> {
  const before = new Date(ctx.clock().getTime() - EVENT_RETENTION_MS);
  return ctx.db.transaction((tx) => store.pruneEvents(tx, before));
}

/** Polls until stopped; the returned function stops it and waits for the pass in progress. */
export function startWebhookWorker(ctx: AppContext, options: WorkerOptions): () => Promise<void> {
  const batch = options.batch ?? BATCH;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastPrune = Number.NEGATIVE_INFINITY;
  const pass = async () => {
    try {
      while (!stopped && (await deliverDueWebhooks(ctx, { timeoutMs: options.timeoutMs, batch })) >= batch) {
        // A full batch means more may be due right away.
      }
      const now = ctx.clock().getTime();
      if (!stopped && now - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = now;
        await pruneEventLog(ctx);
      }
    } catch (error) {
      ctx.log.error({ err: error }, 'webhook worker pass failed');
    }
  };
  let current: Promise<void> = Promise.resolve();
  const run = () => {
    current = pass().finally(() => {
      if (!stopped) timer = setTimeout(run, options.intervalMs);
    });
  };
  run();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current;
  };
}
