/**
 * What triage does when a report comes in (a 'case.created' event): propose duplicates and
 * count the report towards hotspots. Runs after the intake committed, so it never slows or
 * fails a report.
 */
import type { AppContext } from '../app.ts';
import { caseById } from '../cases/service.ts';
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

export async function onCaseCreated(ctx: AppContext, caseId: string): Promise<void> {
  const c = await caseById(ctx, caseId);
  if (!c) return;
  const category = await categoryOf(ctx, c);
  // Independent of each other: their queries overlap.
  await Promise.all([proposeDuplicates(ctx, c, category), category ? noteForHotspots(ctx, c, category) : undefined]);
}

// Work started by intake events, per context, so callers (tests, shutdown) can wait for it.
const inFlight = new WeakMap<object, Set<Promise<unknown>>>();

/** Handles every case created from now on; returns the unsubscribe function. */
export function watchIntake(ctx: AppContext): () => void {
  const running = new Set<Promise<unknown>>();
  inFlight.set(ctx, running);
  return ctx.bus.subscribe((event) => {
    if (event.type !== 'case.created' || event.subject.type !== 'case') return;
    const work: Promise<unknown> = onCaseCreated(ctx, event.subject.id)
      .catch((error: unknown) => ctx.log.error({ err: error, caseId: event.subject.id }, 'triage of a new case failed'))
      .finally(() => running.delete(work));
    running.add(work);
  });
}

/** Resolves when the intake work started so far has finished. */
export async function triageSettled(ctx: AppContext): Promise<void> {
  await Promise.all([...(inFlight.get(ctx) ?? [])]);
}
