/** Server-sent events as a client reads them: the body split into frames at blank lines, each frame's fields. */
import type { IncomingMessage } from 'node:http';

export interface SseFrame { id?: string; event?: string; data?: string; comments: string[] }

/** The fields of one frame (the lines between two blank lines); comment lines start with a colon. */
export function parseFrame(block: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id' || field === 'event' || field === 'data') frame[field] = value;
  }
  return frame;
}

/** Calls `onFrame` with each frame of a response as it arrives (and `onChunk` with the raw text first). */
export function readFrames(res: IncomingMessage, onFrame: (frame: SseFrame) => void, onChunk?: (chunk: string) => void): void {
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    onChunk?.(chunk);
    buffer += chunk;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      onFrame(parseFrame(block));
    }
  });
  res.on('error', () => undefined);
}
