/** What other features use of time limits (时限): the calendar, deadline arithmetic, policies, clocks and their loaders. */
export {
  WorkingCalendar, DEFAULT_WORKING_HOURS, OFFICIAL_YEARS, cityDate, cityMidnight, addDays,
  type CalendarDay, type CalendarOverride, type DayKind, type DaySource, type OverrideKind, type Period, type WorkingHours,
} from './calendar.ts';
export { addWorkingMinutes, workingMinutesBetween, addClockMinutes, clockMinutesBetween, addMinutes, minutesBetween, type SlaBasis } from './deadline.ts';
export { DEFAULT_SLA_POLICIES, SLA_STAGES, pickPolicy, policyMatches, stageClock, stageMinutes, type SlaPolicy, type SlaStage } from './policy.ts';
export { computeDeadline, escalationLevel, DEFAULT_ESCALATION_LADDER, type ClockEvent, type ClockSpec, type ClockState, type Escalation, type EscalationStep } from './clock.ts';
export { loadWorkingCalendar, loadPolicies, getPolicyVersion, type PolicyVersion } from './service.ts';
export { slaRoutes } from './routes.ts';
