/**
 * Scale-out: several `chengyun serve` processes on one PostgreSQL and one NATS JetStream.
 * Events travel between nodes on the NATS bus (src/events/nats-bus.ts); timers and webhook
 * deliveries are claimed with `for update skip locked`; partitioned work asks `ctx.cluster`.
 */
export { Membership, rendezvousOwner, soloCluster, type Cluster, type MembershipOptions } from './membership.ts';
export { nodeChannelOf, type NodeChannel } from './channel.ts';
