/**
 * NAB's "Windowed Gaussian" baseline, reproduced as published: the mean and (population)
 * standard deviation of up to 6,400 previous values, refreshed every value until the window is
 * full and every 100 values after; the score is 1 − Q(|z|), the Gaussian tail probability.
 */
const WINDOW = 6400;
const STEP = 100;

export function windowedGaussianScores(values: readonly number[]): number[] {
  const window: number[] = [];
  let buffer: number[] = [];
  let mean = 0;
  let std = 1;
  const refresh = () => {
    mean = window.reduce((a, b) => a + b, 0) / window.length;
    std = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / window.length);
    if (std === 0) std = 0.000001;
  };
  return values.map((x) => {
    // NAB's published results store scores with 12 significant digits (Python 2 float text), so
    // the optimiser there sees everything above 1 − 5e-13 as 1.0; do the same to compare like with like.
    const score = window.length > 0 ? Number((1 - 0.5 * erfc(Math.abs(x - mean) / std / Math.SQRT2)).toPrecision(12)) : 0;
    if (window.length < WINDOW) {
      window.push(x);
      refresh();
    } else {
      buffer.push(x);
      if (buffer.length === STEP) {
        window.splice(0, STEP, ...[]);
        window.push(...buffer);
        buffer = [];
        refresh();
      }
    }
    return score;
  });
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
