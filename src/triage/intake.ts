/**
 * What triage does when reports come in ('case.created' events): propose duplicates and
 * count the reports towards hotspots. Runs after the intake committed, so it never slows or
 * fails a report.
 */
import type { AppContext } from '../app.ts';
import { casesByIds } from '../cases/service.ts';
import { GroupCommitter } from '../storage/group-commit.ts';
import type { Case } from '../cases/store.ts';
import { proposeDuplicates } from './duplicate-service.ts';
import { noteForHotspots } from './hotspot-service.ts';
import { classify } from './model.ts';
import { servedModel } from './service.ts';
import { AUTO_ROUTE_THRESHOLD } from './train.ts';

/** The category the report has, or the one the model is confident of, or null. */
export async function categoryOf(ctx: AppContext, c: Case): Promise<string | null> {
  if (c.categoryCode) return c.categoryCode;
  const served = await servedModel(ctx);
  if (!served) return null;
  const p = classify(served.model, c.description, c.channel, false);
  return !p.outOfDomain && p.category.confidence >= AUTO_ROUTE_THRESHOLD ? p.category.value : null;
}

/**
 * Triage of newly created cases: duplicates and hotspots, each as one pass for the lot (a busy
 * intake hands over dozens of cases at a time, so this costs a few statements per batch, not
 * per report).
 */
export async function onCasesCreated(ctx: AppContext, caseIds: readonly string[]): Promise<void> {
  const cases = (await casesByIds(ctx, caseIds)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  if (cases.length === 0) return;
  const reports = await Promise.all(cases.map(async (c) => ({ c, category: await categoryOf(ctx, c) })));
  const categorised = reports.flatMap(({ c, category }) => (category ? [{ c, categoryCode: category }] : []));
  // Independent of each other: their queries overlap.
  await Promise.all([proposeDuplicates(ctx, reports), noteForHotspots(ctx, categorised)]);
}

export function onCaseCreated(ctx: AppContext, caseId: string): Promise<void> {
  return onCasesCreated(ctx, [caseId]);
}

// Work started by intake events, per context, so callers (tests, shutdown) can wait for it.
const inFlight = new WeakMap<object, Set<Promise<unknown>>>();

/** Most new cases triaged in one pass. */
const MAX_BATCH = 64;

/**
 * Handles every case created on this node from now on; returns the unsubscribe function. Cases
 * that arrive while a pass runs wait and go together in the next one (no timer: a quiet system
 * triages at once).
 */
export function watchIntake(ctx: AppContext): () => void {
  const running = new Set<Promise<unknown>>();
  inFlight.set(ctx, running);
  const batches = new GroupCommitter<string, void>(async (ids) => {
    await onCasesCreated(ctx, ids);
    return ids.map(() => undefined);
  }, { maxBatch: MAX_BATCH, concurrency: 1 });
  // Only the node that took a report triages it: every node hears every case.created.
  return ctx.bus.subscribe((event, origin) => {
    if (origin !== 'local' || event.type !== 'case.created' || event.subject.type !== 'case') return;
    const work: Promise<unknown> = batches.submit(event.subject.id)
      .catch((error: unknown) => ctx.log.error({ err: error, caseId: event.subject.id }, 'triage of a new case failed'))
      .finally(() => running.delete(work));
    running.add(work);
  });
}

/** Resolves when the intake work started so far has finished. */
export async function triageSettled(ctx: AppContext): Promise<void> {
  await Promise.all([...(inFlight.get(ctx) ?? [])]);
}
