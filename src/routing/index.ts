/** What other features use of the responsibility list (权责清单). */
export type { ResponsibilityRule } from './model.ts';
export {
  activeOn, areaChainOf, areaChainOfCode, expandUnitTemplate, findRuleConflicts, resolveResponsibleUnit, selectRule, triageUnitOf,
  type RuleConflict,
} from './resolver.ts';
export { loadRules } from './service.ts';
export { SEED_RULES, seedResponsibilityRules } from './seed.ts';
