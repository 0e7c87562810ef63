/**
 * Ingest over HTTP: POST /ingest/readings with device or gateway credentials
 * (`Authorization: Device <sensor id or code>:<secret>` or `Gateway <gateway id or code>:<secret>`),
 * and the per-source counters.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED, STAFF } from '../http/auth.ts';
import { Problem } from '../http/errors.ts';
import { problems } from '../http/schemas.ts';
import { unitDirectory } from '../org/directory.ts';
import { sensing } from './index.ts';
import { ingestBatch } from './ingest.ts';
import { IngestBusy } from './ingest-pipeline.ts';
import { loadCounters } from './ingest-store.ts';
import { parseBody, sourceFor } from './ingest-validate.ts';
import { REJECT_REASONS } from './model.ts';
import { parseIngestAuthorization, secretMatches } from './registry-credentials.ts';
import { listGateways, reachOf, seesSensor } from './registry-service.ts';

const NDJSON = 'application/x-ndjson';

const Rejection = Type.Object({
  index: Type.Integer({ description: 'Position in the batch (line number − 1 for NDJSON, blank lines skipped)' }),
  sensor: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union(REJECT_REASONS.map((r) => Type.Literal(r))),
});

function busy(reply: FastifyReply, retryAfterSeconds: number): Problem {
  reply.header('retry-after', String(retryAfterSeconds));
  return new Problem('CY_INGEST_BUSY', `${retryAfterSeconds} s`);
}

export async function ingestRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const s = sensing(ctx);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', NDJSON], { parseAs: 'string', bodyLimit: Math.max(ctx.config.bodyLimit, 16 * 1024 * 1024) }, (_req, body, done) => done(null, body));

  app.post('/ingest/readings', {
    // Refuse before reading the body when the pipeline is already full.
    onRequest: async (_request, reply) => {
      if (s.pipeline.full) throw busy(reply, 1);
    },
    schema: {
      tags: ['sensing'],
      summary: 'Readings from a device or gateway: a JSON array (application/json) or NDJSON (application/x-ndjson) of {sensor, ts, value, unit?}. '
        + 'Authorization: Device <sensor id or code>:<secret> or Gateway <gateway id or code>:<secret>. ts: epoch ms or ISO 8601 with zone. '
        + 'Answers once the accepted readings are durably stored; duplicates (same sensor and ts) are kept once. '
        + 'Refused items are listed with a reason and counted; 422 when none was taken; 503 with Retry-After when the queue is full.',
      headers: Type.Object({ authorization: Type.String({ description: 'Device <id>:<secret> or Gateway <id>:<secret>' }) }),
      body: Type.String({ description: 'JSON array or NDJSON text' }),
      response: {
        200: Type.Object({
          received: Type.Integer(), accepted: Type.Integer({ description: 'Newly stored' }), duplicates: Type.Integer({ description: 'Already stored before (or twice in the batch)' }),
          rejected: Type.Integer(), rejections: Type.Array(Rejection, { description: 'The first 1,000 refused items' }),
        }),
        ...problems(400, 401, 413, 415, 422, 503),
      },
    },
  }, async (request, reply) => {
    await s.registry.ready();
    const credentials = parseIngestAuthorization(request.headers.authorization);
    const source = credentials && sourceFor(s.registry, credentials.kind, credentials.id, (hash) => secretMatches(credentials.secret, hash));
    if (!source) throw new Problem('CY_UNAUTHENTICATED', 'Send Authorization: Device <sensor id or code>:<secret> or Gateway <gateway id or code>:<secret>');
    const items = parseBody(request.body as string, (request.headers['content-type'] ?? '').startsWith(NDJSON));
    let summary;
    try {
      summary = await ingestBatch(ctx, s, source, items);
    } catch (error) {
      if (error instanceof IngestBusy) throw busy(reply, error.retryAfterSeconds);
      throw error;
    }
    if (summary.accepted + summary.duplicates === 0 && summary.rejected > 0) {
      throw new Problem('CY_READINGS_REJECTED', `all ${summary.rejected} readings refused; first: ${summary.rejections[0].reason}`,
        summary.rejections.slice(0, 100).map((r) => ({ pointer: `/body/${r.index}`, message: r.sensor ? `${r.reason}: ${r.sensor}` : r.reason })));
    }
    return summary;
  });

  app.get('/ingest/stats', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['sensing'], summary: 'Readings accepted and refused per source (device or gateway) and reason, since the start of records', security: SECURED,
      response: {
        200: Type.Object({
          sources: Type.Array(Type.Object({
            source: Type.String({ description: 'device:<sensor id>, gateway:<gateway id>, or mqtt:<topic name> for unknown MQTT sources' }),
            accepted: Type.Integer(), duplicate: Type.Integer(), rejected: Type.Integer(),
            reasons: Type.Record(Type.String(), Type.Integer(), { description: 'Refusals by reason' }), lastAt: Type.String({ format: 'date-time' }),
          })),
        }),
        ...problems(401, 403),
      },
    },
  }, async (request) => {
    const principal = principalOf(request);
    await s.registry.ready();
    const reach = reachOf(principal, await unitDirectory(ctx));
    const gateways = new Set((await listGateways(ctx, s, principal)).map((g) => `gateway:${g.id}`));
    const visible = (source: string) => {
      if (source.startsWith('device:')) {
        const sensor = s.registry.get(source.slice('device:'.length));
        return !!sensor && seesSensor(reach, sensor);
      }
      if (source.startsWith('gateway:')) return gateways.has(source);
      return reach?.streets === null;
    };
    const bySource = new Map<string, { source: string; accepted: number; duplicate: number; rejected: number; reasons: Record<string, number>; lastAt: Date }>();
    for (const row of await loadCounters(ctx.db)) {
      if (!visible(row.source)) continue;
      let entry = bySource.get(row.source);
      if (!entry) bySource.set(row.source, entry = { source: row.source, accepted: 0, duplicate: 0, rejected: 0, reasons: {}, lastAt: row.lastAt });
      if (row.lastAt > entry.lastAt) entry.lastAt = row.lastAt;
      if (row.reason === 'accepted') entry.accepted += row.count;
      else if (row.reason === 'duplicate') entry.duplicate += row.count;
      else {
        entry.rejected += row.count;
        entry.reasons[row.reason] = row.count;
      }
    }
    return { sources: [...bySource.values()].map((e) => ({ ...e, lastAt: e.lastAt.toISOString() })) };
  });
}
