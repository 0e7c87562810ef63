import { describe, expect, it } from 'vitest';
import { URGENCIES } from '../../src/cases/model.ts';
import { DEFAULT_SLA_POLICIES, pickPolicy, policyProblem, stageClock, stageMinutes, type SlaPolicy } from '../../src/sla/policy.ts';

const policy = (id: string, categoryPrefix: string | null, urgency: SlaPolicy['urgency']): SlaPolicy =>
  ({ id, categoryPrefix, urgency, basis: 'working', acceptMinutes: 60, handleMinutes: 600, verifyMinutes: 60, warnShare: 0.8 });

describe('default policies', () => {
  it('cover every urgency with 特急 and 紧急 on clock time and 一般 on working time', () => {
    for (const u of URGENCIES) expect(pickPolicy(DEFAULT_SLA_POLICIES, 'anything', u)?.urgency).toBe(u);
    const by = Object.fromEntries(DEFAULT_SLA_POLICIES.map((p) => [p.urgency, p]));
    expect(by.critical).toMatchObject({ name: '特急', basis: 'clock', acceptMinutes: 60, handleMinutes: 24 * 60, verifyMinutes: 120 });
    expect(by.urgent).toMatchObject({ name: '紧急', basis: 'clock', acceptMinutes: 120, handleMinutes: 48 * 60, verifyMinutes: 240 });
    expect(by.normal).toMatchObject({ name: '一般', basis: 'working', acceptMinutes: 120, handleMinutes: 5 * 420, verifyMinutes: 420 });
    for (const p of DEFAULT_SLA_POLICIES) expect(policyProblem(p)).toBeUndefined();
  });
});

describe('picking a policy', () => {
  const policies = [
    ...DEFAULT_SLA_POLICIES,
    policy('roads', '01', null),
    policy('manholes', '0102', null),
    policy('roads-urgent', '01', 'urgent'),
    policy('any-critical-x', 'X', 'critical'),
    policy('fallback', null, null),
  ];

  it('prefers the longest category prefix, then an exact urgency', () => {
    expect(pickPolicy(policies, '010203', 'urgent')?.id).toBe('manholes');
    expect(pickPolicy(policies, '0105', 'urgent')?.id).toBe('roads-urgent');
    expect(pickPolicy(policies, '0105', 'normal')?.id).toBe('roads');
    expect(pickPolicy(policies, '02', 'normal')?.id).toBe('sla-normal');
    expect(pickPolicy(policies, 'X9', 'critical')?.id).toBe('any-critical-x');
    expect(pickPolicy(policies, 'X9', 'urgent')?.id).toBe('sla-urgent');
    expect(pickPolicy([policy('fallback', null, null)], '02', 'normal')?.id).toBe('fallback');
  });

  it('answers the same whatever the order of the list', () => {
    const cases: [string, 'normal' | 'urgent' | 'critical'][] = [['010203', 'urgent'], ['0105', 'urgent'], ['0105', 'normal'], ['02', 'critical']];
    const expected = cases.map(([c, u]) => pickPolicy(policies, c, u)?.id);
    let seed = 7;
    for (let round = 0; round < 50; round++) {
      const shuffled = [...policies].sort(() => ((seed = (seed * 16807) % 2147483647) % 3) - 1);
      expect(cases.map(([c, u]) => pickPolicy(shuffled, c, u)?.id)).toEqual(expected);
    }
    // Equally specific policies (the store refuses them) still give one answer: the smaller id.
    expect(pickPolicy([policy('b', '01', null), policy('a', '01', null)], '011', 'normal')?.id).toBe('a');
    expect(pickPolicy([policy('a', '01', null), policy('b', '01', null)], '011', 'normal')?.id).toBe('a');
  });

  it('matches by prefix only, and finds nothing when nothing matches', () => {
    expect(pickPolicy([policy('roads', '01', null)], '1001', 'normal')).toBeUndefined();
    expect(pickPolicy([policy('roads', '01', 'urgent')], '0101', 'normal')).toBeUndefined();
    expect(pickPolicy([], '0101', 'normal')).toBeUndefined();
  });
});

describe('stage clocks and checks', () => {
  it('give each stage its allowance on the policy\'s basis', () => {
    const normal = DEFAULT_SLA_POLICIES.find((p) => p.urgency === 'normal')!;
    expect(stageMinutes(normal, 'accept')).toBe(120);
    expect(stageMinutes(normal, 'handle')).toBe(2100);
    expect(stageMinutes(normal, 'verify')).toBe(420);
    const start = new Date('2026-11-23T01:00:00Z');
    expect(stageClock(normal, 'verify', start)).toEqual({ startedAt: start, minutes: 420, basis: 'working', warnShare: 0.8 });
  });

  it('refuse impossible numbers', () => {
    const ok = policy('p', null, null);
    expect(policyProblem({ ...ok, acceptMinutes: 0 })).toMatch(/acceptMinutes/);
    expect(policyProblem({ ...ok, handleMinutes: -5 })).toMatch(/handleMinutes/);
    expect(policyProblem({ ...ok, verifyMinutes: 1.5 })).toMatch(/verifyMinutes/);
    for (const warnShare of [0, 1, 1.2, -0.1, Number.NaN]) expect(policyProblem({ ...ok, warnShare }), String(warnShare)).toMatch(/warnShare/);
  });
});
