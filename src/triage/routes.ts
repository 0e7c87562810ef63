/**
 * HTTP routes for triage (智能分拨): classify a report text for staff, and list model versions.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, SECURED, STAFF } from '../http/auth.ts';
import { problems } from '../http/schemas.ts';
import { CHANNELS } from '../cases/model.ts';
import * as service from './service.ts';
import { duplicateRoutes } from './duplicate-routes.ts';
import { areaRoutes } from './area-routes.ts';
import { triageSettled, watchIntake } from './intake.ts';

export const MAX_TEXT = 10_000;

const Scored = Type.Object({ value: Type.String(), probability: Type.Number() });
const OutputSchema = Type.Object({
  value: Type.String(),
  confidence: Type.Number({ description: 'Calibrated probability of value (temperature-scaled on held-out training data)' }),
  top3: Type.Array(Scored),
  evidence: Type.Array(Type.Object({ ngram: Type.String(), weight: Type.Number() }), { description: 'Character n-grams that pushed hardest towards value' }),
});
const UrgencySchema = Type.Object({
  ...OutputSchema.properties,
  safetyRule: Type.Union([Type.Object({ term: Type.String(), level: Type.String() }), Type.Null()], {
    description: 'Set when a danger-to-life term raised the urgency above the model\'s answer (紧急 or 特急 at least)',
  }),
});
const ClassifySchema = Type.Object({
  modelVersion: Type.Integer(),
  appealType: OutputSchema,
  domain: OutputSchema,
  category: OutputSchema,
  urgency: UrgencySchema,
  coverage: Type.Number({ description: 'Share of the text\'s n-grams seen in training' }),
  outOfDomain: Type.Boolean({ description: 'The text gives the model nothing to go on (no Chinese, or almost nothing it knows): all outputs are uniform' }),
  recommendedUnit: Type.Union([Type.Object({
    unitId: Type.Union([Type.String(), Type.Null()], { description: 'The unit the responsibility list gives for the predicted category at the place' }),
    ruleId: Type.Union([Type.String(), Type.Null()]),
    triageUnitId: Type.String({ description: 'The district-level center that takes the case when the list gives no unit' }),
  }), Type.Null()], { description: 'Null when no location was given' }),
  needsHuman: Type.Boolean({ description: 'True when the category confidence is below the threshold or the text is out of domain' }),
  threshold: Type.Number(),
});

const ModelSchema = Type.Object({
  version: Type.Integer(), status: Type.String(), createdAt: Type.String({ format: 'date-time' }), createdBy: Type.Union([Type.String(), Type.Null()]),
  promotedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]), decision: Type.String(),
  training: Type.Record(Type.String(), Type.Unknown()),
  metrics: Type.Object({
    examples: Type.Integer(), criticalRecall: Type.Number(),
    outputs: Type.Record(Type.String(), Type.Object({ accuracy: Type.Number(), macroF1: Type.Number() })),
    autoRouted: Type.Object({ threshold: Type.Number(), share: Type.Number(), categoryAccuracy: Type.Number() }),
  }),
});

export async function triageRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  // Every report that comes in is compared with the open cases around it and counted for hotspots.
  const unwatch = watchIntake(ctx);
  app.addHook('onClose', async () => {
    unwatch();
    await triageSettled(ctx);
  });
  await duplicateRoutes(app, { ctx });
  await areaRoutes(app, { ctx });

  app.post('/triage/classify', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['triage'], summary: 'Classify a report (智能分拨): appeal type, domain, category, urgency, and the unit the list gives at the place', security: SECURED,
      body: Type.Object({
        text: Type.String({ maxLength: MAX_TEXT, description: 'The report as written or transcribed' }),
        channel: Type.Optional(Type.Union(CHANNELS.map((c) => Type.Literal(c)))),
        lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
        lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
      }, { additionalProperties: false }),
      response: { 200: ClassifySchema, ...problems(400, 401, 403, 413, 422, 503) },
    },
  }, async (request) => service.classifyReport(ctx, request.body as service.ClassifyInput));

  app.post('/triage/suggest', {
    preHandler: allow(app),
    schema: {
      tags: ['triage'], summary: 'Categories to offer a resident while they type (一键报事): names only, no routing', security: SECURED,
      body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          categories: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), probability: Type.Number() })),
          urgent: Type.Boolean({ description: 'The text names a danger to life or property' }),
        }),
        ...problems(400, 401, 503),
      },
    },
  }, async (request) => service.suggestCategories(ctx, (request.body as { text: string }).text));

  app.get('/triage/models', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['triage'], summary: 'Triage model versions, newest first, with their held-out metrics and promotion decision', security: SECURED,
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(ModelSchema) }), ...problems(400, 401, 403) },
    },
  }, async (request) => ({ items: await service.listModels(ctx, (request.query as { limit: number }).limit) }));
}
