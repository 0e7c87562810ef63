/**
 * Server-sent events (text/event-stream): the wire format and one client connection, which is
 * dropped rather than buffered without bound when the client stops reading.
 */
import type { DomainEvent } from '../events/bus.ts';
import type { Principal } from '../org/model.ts';

/** What a client sees of an event: the same fields a webhook receiver gets; the scope's user and unit ids stay inside. */
export function publicEvent(event: DomainEvent): { id: string; type: string; at: string; subject: { type: string; id: string }; payload: unknown } {
  return { id: event.id, type: event.type, at: event.at, subject: event.subject, payload: event.payload ?? null };
}

/** A field value must not break the line-based format. */
const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

export function eventFrame(event: DomainEvent): string {
  // JSON.stringify escapes line breaks, so the data is always one line.
  return `id: ${oneLine(event.id)}\nevent: ${oneLine(event.type)}\ndata: ${JSON.stringify(publicEvent(event))}\n\n`;
}

/**
 * Sent instead of a replay when the client's last event is no longer held (older than the
 * window, or unknown): it must reload what it shows. Its id moves the client's cursor to now.
 */
export function resetFrame(reason: string, newestId: string | undefined): string {
  return `${newestId ? `id: ${oneLine(newestId)}\n` : ''}event: reset\ndata: ${JSON.stringify({ reason })}\n\n`;
}

export const HEARTBEAT_FRAME = ': heartbeat\n\n';

/** The part of a Node.js ServerResponse a connection writes to. */
export interface SseSink {
  write(chunk: string): boolean;
  end(): void;
  destroy(): void;
  readonly writableLength: number;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
}

export class SseConnection {
  /** Who reads the stream; refreshed on every heartbeat, so a move to another unit takes effect. */
  principal: Principal;
  /**
   * Resolves the sign-in behind the stream again: undefined once the token is revoked or
   * expired or the account disabled, which ends the stream.
   */
  readonly reauthenticate: () => Promise<Principal | undefined>;
  readonly #sink: SseSink;
  readonly #maxBuffered: number;
  #open = true;

  constructor(sink: SseSink, principal: Principal, options: { maxBufferedBytes: number; reauthenticate: () => Promise<Principal | undefined> }) {
    this.#sink = sink;
    this.principal = principal;
    this.#maxBuffered = options.maxBufferedBytes;
    this.reauthenticate = options.reauthenticate;
  }

  get open(): boolean {
    return this.#open && !this.#sink.destroyed && !this.#sink.writableEnded;
  }

  /**
   * Writes a frame; false when the connection is gone. When more than the allowance waits in
   * memory for a client that does not read, the client is dropped: it reconnects with
   * Last-Event-ID and resumes from the replay buffer, and the server's memory stays bounded.
   */
  write(frame: string, options: { enforceLimit?: boolean } = {}): boolean {
    if (!this.open) {
      this.#open = false;
      return false;
    }
    this.#sink.write(frame);
    if ((options.enforceLimit ?? true) && this.#sink.writableLength > this.#maxBuffered) {
      this.drop();
      return false;
    }
    return true;
  }

  /** Ends the stream cleanly (shutdown, sign-in gone). */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    if (!this.#sink.destroyed && !this.#sink.writableEnded) this.#sink.end();
  }

  /** Abandons a slow client and whatever it has not read. */
  drop(): void {
    this.#open = false;
    this.#sink.destroy();
  }
}
