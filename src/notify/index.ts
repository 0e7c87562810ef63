/**
 * Notifications: what other features use. Publish domain events on ctx.bus after committing
 * (live streams, the event log and webhooks follow); call notifyUsers inside the transaction
 * of a change that someone must be told about.
 */
export { deliverNotices, notifyUsers, notifyMany, recipientsOf, type NotifyInput } from './inbox.ts';
export { receives, divisionChain } from './audience.ts';
export { startWebhookWorker, deliverDueWebhooks, type WorkerOptions } from './worker.ts';
export { notifyRoutes } from './routes.ts';
export { liveStreams } from './hub.ts';
export { signature as webhookSignature } from './webhook-rules.ts';
