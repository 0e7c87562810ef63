/** What other features use of triage (智能分拨). */
export { duplicateCandidatesOf, type DuplicateCandidate } from './duplicate-service.ts';
export { triageSettled } from './intake.ts';
