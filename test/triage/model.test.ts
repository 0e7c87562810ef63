import { describe, expect, it } from 'vitest';
import { classify, fromBytes, toBytes } from '../../src/triage/model.ts';
import { loadCorpus, trainModel, type CorpusReport } from '../../src/triage/train.ts';
import { CRITICAL_TERMS, safetyFloor, URGENT_TERMS } from '../../src/triage/lexicon.ts';
import { MAX_CHARS, normalise } from '../../src/triage/features.ts';

const corpus = loadCorpus();
const train = corpus.filter((r) => r.split === 'train');
// A quarter of the training split keeps these tests fast; the full model is trained in lifecycle.test.ts.
const small: CorpusReport[] = train.filter((_, i) => i % 4 === 0);
const model = trainModel(small, { epochs: 3 });

describe('the seed corpus', () => {
  it('is large, labelled in every output, and split about 80/20 in every category', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(5000);
    expect(new Set(corpus.map((r) => r.domain)).size).toBe(16);
    const byCategory = new Map<string, { train: number; test: number }>();
    for (const r of corpus) {
      const n = byCategory.get(r.categoryCode) ?? { train: 0, test: 0 };
      n[r.split]++;
      byCategory.set(r.categoryCode, n);
    }
    expect(byCategory.size).toBeGreaterThan(100);
    for (const n of byCategory.values()) expect(n.test / (n.train + n.test)).toBeCloseTo(0.2, 1);
    expect(new Set(corpus.map((r) => r.urgency))).toEqual(new Set(['normal', 'urgent', 'critical']));
    expect(new Set(corpus.map((r) => r.appealType)).size).toBe(6);
  });
});

describe('training', () => {
  it('is deterministic given a seed', () => {
    const subset = small.slice(0, 600);
    const a = toBytes(trainModel(subset, { epochs: 2, buckets: 1 << 12 }));
    const b = toBytes(trainModel(subset, { epochs: 2, buckets: 1 << 12 }));
    const c = toBytes(trainModel(subset, { epochs: 2, buckets: 1 << 12, seed: 'another seed' }));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('survives its binary form unchanged', () => {
    const again = fromBytes(toBytes(model));
    const text = '观音桥步行街的垃圾桶满了好几天没人收';
    expect(classify(again, text, 'app')).toEqual(classify(model, text, 'app'));
  });

  it('classifies a plain report with evidence and calibrated top-3', () => {
    const p = classify(model, '解放碑这里的路灯晚上不亮, 黑黢黢的', 'app');
    expect(p.category.value).toBe('C0118');
    expect(p.outOfDomain).toBe(false);
    expect(p.category.top3).toHaveLength(3);
    const sum = p.category.top3.reduce((s, x) => s + x.probability, 0);
    expect(sum).toBeLessThanOrEqual(1.0001);
    expect(p.category.evidence.map((e) => e.ngram).join(' ')).toMatch(/灯/);
  });
});

describe('edge cases', () => {
  const texts = {
    empty: '', whitespace: ' \n\t  ', long: '啊'.repeat(10_000), emoji: '😡😡🙏🙏👍', english: 'The street light outside my house is broken again',
    mixedLong: '解放碑路灯不亮'.repeat(1500),
  };
  for (const [name, text] of Object.entries(texts)) {
    it(`${name} text: no error`, () => {
      const p = classify(model, text, 'hotline');
      expect(p.category.top3.length).toBeGreaterThan(0);
      if (name !== 'mixedLong') {
        expect(p.outOfDomain).toBe(true);
        expect(p.category.confidence).toBeLessThan(0.05);
        expect(p.urgency.confidence).toBeLessThan(0.4);
        expect(p.category.evidence).toEqual([]);
      }
    });
  }
});

describe('text normalisation', () => {
  // The reference: NFKC, lower case, digits as 0, non-word characters as one run break.
  const word = (cp: number) => (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39);
  function reference(text: string): number[] {
    const out: number[] = [];
    for (const ch of text.normalize('NFKC').toLowerCase()) {
      if (out.length >= MAX_CHARS) break;
      let cp = ch.codePointAt(0)!;
      if (cp >= 0x30 && cp <= 0x39) cp = 0x30;
      if (word(cp)) out.push(cp);
      else if (out.length === 0 || out[out.length - 1] !== -1) out.push(-1);
    }
    return out;
  }

  it('skips NFKC only where it changes nothing: every corpus text and awkward ones give the reference', () => {
    const awkward = ['ＡＢＣ１２３路灯坏了', '〸〹路灯', '‼️燃气泄漏', 'Ⅻ号楼漏水', '𠀋𠀋井盖', '①号楼停水', 'ｶﾀｶﾅ', '🆘🄰路灯', '🯰🯱号', 'Straße ŒUVRE', 'e\u0301路灯', '解放碑…。、“”【】（）！？；～'];
    for (const text of [...corpus.map((r) => r.text), ...awkward, '啊'.repeat(10_000)]) expect([...normalise(text).cps], text).toEqual(reference(text));
  });
});

describe('urgency safety lexicon', () => {
  it('matches every 特急 report of the corpus, and no 一般 one', () => {
    for (const r of corpus) {
      const floor = safetyFloor(r.text);
      if (r.urgency === 'critical') expect(floor?.level, r.text).toBe('critical');
      if (r.urgency === 'normal') expect(floor, r.text).toBeUndefined();
    }
  });

  it('raises the model: a model that never saw urgency still says 特急 for a gas leak', () => {
    const calm = trainModel(small.slice(0, 800).map((r) => ({ ...r, urgency: 'normal' })), { epochs: 2, buckets: 1 << 12 });
    const plain = classify(calm, '小区门口的垃圾桶满了', 'app');
    expect(plain.urgency.value).toBe('normal');
    expect(plain.urgency.safetyRule).toBeNull();
    for (const [text, level] of [['楼道里一股煤气味道, 好吓人', 'critical'], ['我们家娃儿不见了', 'critical'], ['后山滑坡了', 'critical'], ['电瓶车在冒烟', 'urgent'], ['路口淹水了', 'urgent']] as const) {
      const p = classify(calm, text, 'hotline');
      expect(p.urgency.value, text).toBe(level);
      expect(p.urgency.safetyRule?.level).toBe(level);
    }
  });

  it('never lowers what the model said', () => {
    expect(CRITICAL_TERMS.length).toBeGreaterThan(20);
    expect(URGENT_TERMS).not.toContain('着火');
    const p = classify(model, '对面楼着火了, 好大的烟', 'hotline');
    expect(p.urgency.value).toBe('critical');
  });
});
