/**
 * Direct messages between nodes, beside the event stream: for partitioned work whose input
 * arrives on one node and belongs to another (a sensor's readings go to the node that
 * evaluates its rules). At most once: what is lost while a node dies is recovered by whoever
 * takes over its share, from the database.
 */
export interface NodeChannel {
  /** Sends `data` to node `to`, or to every other node when `to` is undefined. */
  send(topic: string, data: Uint8Array, to?: string): void;
  /** Receives what other nodes sent to this node or to all; returns an unsubscribe function. */
  onMessage(topic: string, handler: (data: Uint8Array) => void): () => void;
}

/** The bus as a node channel when it carries messages between nodes (NATS), else undefined. */
export function nodeChannelOf(bus: unknown): NodeChannel | undefined {
  const c = bus as Partial<NodeChannel> | undefined;
  return typeof c?.send === 'function' && typeof c.onMessage === 'function' ? (c as NodeChannel) : undefined;
}
