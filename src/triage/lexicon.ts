/**
 * The danger-to-life lexicon layered over the urgency model (安全兜底规则).
 *
 * A model trained on a few hundred dangerous reports will one day call a gas leak 一般. So the
 * urgency a text gets is never below the level its most serious term demands: a term of the
 * `critical` list forces 特急, one of the `urgent` list at least 紧急. The rule only raises the
 * level; it never lowers what the model said. Terms are plain substrings of the NFKC-folded
 * text, dialect and common miswritings included (天燃气, 燃气泄露, 娃儿不见). False alarms cost
 * an operator a glance; a missed one can cost a life, so terms err on the side of matching.
 */
import type { Urgency } from '../cases/model.ts';

export const CRITICAL_TERMS: readonly string[] = [
  // Gas: leaks explode.
  '天然气味', '天燃气味', '煤气味', '燃气味', '燃气泄漏', '燃气泄露', '天然气泄漏', '煤气泄漏', '管道漏气', '在漏气', '漏气了',
  // Fire.
  '着火', '起火', '失火', '火灾', '烧起来', '爆炸',
  // Collapse and landslides.
  '垮塌', '倒塌', '垮下来', '房子垮了', '滑坡', '泥石流',
  // Electricity.
  '触电',
  // People missing or trapped.
  '小孩走丢', '孩子走丢', '娃儿走丢', '娃儿不见', '小孩不见', '孩子不见', '老人走丢', '走失', '被困', '关人', '掉进井', '溺水', '落水',
  // Water entering homes.
  '洪水进屋',
  '砸到人',
];

export const URGENT_TERMS: readonly string[] = [
  '冒烟', '淹水', '被淹', '塌方', '漏电', '电线掉', '打火', '积水很深', '有人受伤', '砸了',
];

export interface SafetyFloor {
  level: Urgency;
  term: string;
}

const RANK: Readonly<Record<Urgency, number>> = { normal: 0, urgent: 1, critical: 2 };

/** The most serious lexicon term in the text and the level it demands; undefined when none occurs. */
export function safetyFloor(text: string): SafetyFloor | undefined {
  const folded = text.normalize('NFKC');
  for (const term of CRITICAL_TERMS) if (folded.includes(term)) return { level: 'critical', term };
  for (const term of URGENT_TERMS) if (folded.includes(term)) return { level: 'urgent', term };
  return undefined;
}

/** The higher of two urgencies. */
export function atLeast(a: Urgency, b: Urgency): Urgency {
  return RANK[a] >= RANK[b] ? a : b;
}
