/**
 * Outbound webhooks (出站推送), the pure part: which events a subscription takes, the retry
 * schedule, the signed request a receiver gets.
 */
import { createHmac } from 'node:crypto';

export interface WebhookFilter {
  /** Exact types ('case.created'), prefixes ('case.*') or '*' for every event. */
  eventTypes: readonly string[];
  /** Only events inside this division's subtree, when set. */
  divisionCode: string | null;
  active: boolean;
}

export function eventTypeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/** `chain` is the event's divisions, most specific first (see divisionChain). */
export function webhookTakes(filter: WebhookFilter, type: string, chain: readonly string[]): boolean {
  return filter.active && eventTypeMatches(filter.eventTypes, type) && (filter.divisionCode === null || chain.includes(filter.divisionCode));
}

/** Waits after the 1st, 2nd … failed attempt; after the last one the delivery is given up. */
export const RETRY_DELAYS_MS: readonly number[] = [30_000, 120_000, 600_000, 3_600_000, 21_600_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** When to try again after `attempts` failed attempts, or null to give up. */
export function nextAttemptAt(attempts: number, now: Date): Date | null {
  const delay = RETRY_DELAYS_MS[attempts - 1];
  return delay === undefined ? null : new Date(now.getTime() + delay);
}

/** Receivers verify deliveries with this: hex HMAC-SHA256 of "<timestamp>.<body>" under the shared secret. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The reason a webhook URL is refused, or undefined. Credentials in a URL would be shown to every admin. */
export function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url is not a valid URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'url must use http or https';
  if (parsed.username || parsed.password) return 'url must not carry credentials; receivers check the signature instead';
  return undefined;
}

export interface WebhookEvent { id: string; type: string; at: string; subject: { type: string; id: string }; payload: unknown }

/** The request a receiver gets for one delivery attempt. */
export function webhookRequest(event: WebhookEvent, deliveryId: string, secret: string, now: Date): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ id: event.id, type: event.type, at: event.at, subject: event.subject, payload: event.payload ?? null });
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'chengyun-webhooks/1',
      'x-chengyun-event': event.type,
      'x-chengyun-delivery': deliveryId,
      'x-chengyun-timestamp': timestamp,
      'x-chengyun-signature': signature(secret, timestamp, body),
    },
  };
}
