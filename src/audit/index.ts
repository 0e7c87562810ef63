export { appendAudit, appendAuditBatch, verifyAuditLog, listAudit, type AuditInput, type AuditRecord } from './store.ts';
export { AUDIT_CHAINS, canonicalJson, chainOf, verifyChain, type ChainFault } from './chain.ts';
