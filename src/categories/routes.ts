/** HTTP route for the category catalogue: read-only, for every signed-in user (the citizen app picks from it too). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, SECURED } from '../http/auth.ts';
import { problems } from '../http/schemas.ts';
import { CATEGORY_KINDS, DOMAINS, searchCategories, type CategoryFilter } from './catalogue.ts';

const KindSchema = Type.Union(CATEGORY_KINDS.map((k) => Type.Literal(k)), { description: 'component 部件, event 事件, hotline 热线诉求' });

export const CategorySchema = Type.Object({
  code: Type.String({ description: "'C0101' 部件 0101, 'E0102' 事件 0102, 'H0801' hotline" }),
  name: Type.String(),
  kind: KindSchema,
  majorCode: Type.String({ description: '大类, e.g. C01' }),
  majorName: Type.String(),
  domain: Type.String({ description: '领域 code, see domains' }),
  verified: Type.Boolean({ description: 'False when the code could not be confirmed against GB/T 30428.2' }),
  aliases: Type.Optional(Type.Array(Type.String())),
  note: Type.Optional(Type.String()),
});

const DomainSchema = Type.Object({ code: Type.String(), name: Type.String() });

// The catalogue is code, so there is no context to use; the parameter keeps every feature's plugin alike.
export async function categoryRoutes(app: FastifyInstance, _options: { ctx: AppContext }) {
  app.get('/categories', {
    preHandler: allow(app),
    schema: {
      tags: ['categories'], summary: 'The case category catalogue (GB/T 30428.2 部件 and 事件, 12345 hotline categories by 领域)', security: SECURED,
      querystring: Type.Object({
        kind: Type.Optional(KindSchema),
        domain: Type.Optional(Type.Union(DOMAINS.map((d) => Type.Literal(d.code)))),
        q: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'Code prefix, or part of a name or alias' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ domains: Type.Array(DomainSchema), items: Type.Array(CategorySchema) }), ...problems(400, 401) },
    },
  }, async (request) => ({ domains: DOMAINS, items: searchCategories(request.query as CategoryFilter) }));
}
