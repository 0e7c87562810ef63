/** What each workflow action asks for: the form is built from this table. */
export interface ActionForm {
  note?: 'optional' | 'required';
  /** The text field is a reason (sent as `reason`, always required). */
  reason?: boolean;
  photos?: 'optional' | 'required';
  unit?: 'dispatch' | 'transfer';
  hours?: boolean;
  approve?: boolean;
  passed?: boolean;
  satisfaction?: boolean;
  master?: boolean;
  danger?: boolean;
}

export const ACTION_FORMS: Record<string, ActionForm> = {
  accept: { note: 'optional' },
  requestVerification: { note: 'optional' },
  confirmReport: { note: 'optional', photos: 'optional' },
  reject: { reason: true, danger: true },
  void: { reason: true, danger: true },
  selfHandle: { note: 'required', photos: 'required' },
  dispatch: { unit: 'dispatch', note: 'optional' },
  sign: { note: 'optional' },
  return: { reason: true },
  transfer: { unit: 'transfer', reason: true },
  reportHandled: { note: 'required', photos: 'optional' },
  requestExtension: { hours: true, reason: true },
  decideExtension: { approve: true, note: 'optional' },
  verifyFix: { passed: true, note: 'optional', photos: 'optional' },
  rework: { reason: true },
  close: { note: 'optional' },
  evaluate: { satisfaction: true },
  reopen: { reason: true },
  suspend: { reason: true },
  resume: { note: 'optional' },
  supervise: { note: 'required' },
  merge: { master: true, note: 'optional' },
  unmerge: { reason: true },
};
