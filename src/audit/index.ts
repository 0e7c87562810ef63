export { appendAudit, verifyAuditLog, listAudit, type AuditInput, type AuditRecord } from './store.ts';
export { canonicalJson, verifyChain, type ChainFault } from './chain.ts';
