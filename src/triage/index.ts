/** What other features use of triage (智能分拨). */
export { duplicateCandidatesOf, duplicateScansSettled, proposeDuplicates, type DuplicateCandidate } from './duplicate-service.ts';
