/**
 * Small dense least squares: weighted ridge via the normal equations and a Cholesky solve, plus a
 * Huber fit by iteratively reweighted least squares so a few spikes in the history do not drag the
 * coefficients. Feature counts here are tiny (≤ 8), so the normal equations are well within
 * double precision once a little ridge is added.
 */

export interface DesignMatrix {
  /** Row-major, `rows × columns`. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly rows: number;
  readonly columns: number;
}

/**
 * Minimises Σ wᵢ (yᵢ − xᵢ·β)² + ridge · Σ βⱼ² · (mean diagonal of XᵀWX). The ridge is relative, so
 * it does not depend on the units of the features. Returns zeros when the system is empty.
 */
export function weightedRidge(design: DesignMatrix, weights: Float64Array | undefined, ridge: number): Float64Array {
  const { x, y, rows, columns: k } = design;
  const gram = new Float64Array(k * k);
  const rhs = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    const w = weights ? (weights[r] as number) : 1;
    if (w === 0) continue;
    const base = r * k;
    const target = y[r] as number;
    for (let i = 0; i < k; i++) {
      const xi = (x[base + i] as number) * w;
      rhs[i] = (rhs[i] as number) + xi * target;
      for (let j = 0; j <= i; j++) gram[i * k + j] = (gram[i * k + j] as number) + xi * (x[base + j] as number);
    }
  }
  let diagonalMean = 0;
  for (let i = 0; i < k; i++) diagonalMean += gram[i * k + i] as number;
  diagonalMean /= Math.max(1, k);
  const penalty = ridge * diagonalMean + 1e-12;
  for (let i = 0; i < k; i++) {
    gram[i * k + i] = (gram[i * k + i] as number) + penalty;
    for (let j = 0; j < i; j++) gram[j * k + i] = gram[i * k + j] as number;
  }
  return choleskySolve(gram, rhs, k);
}

/** Solves A·β = b for symmetric positive definite A (k × k, row-major). Zeros when A is singular. */
export function choleskySolve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * k + j] as number;
      for (let m = 0; m < j; m++) sum -= (l[i * k + m] as number) * (l[j * k + m] as number);
      if (i === j) {
        if (!(sum > 0)) return new Float64Array(k);
        l[i * k + i] = Math.sqrt(sum);
      } else {
        l[i * k + j] = sum / (l[j * k + j] as number);
      }
    }
  }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = b[i] as number;
    for (let m = 0; m < i; m++) sum -= (l[i * k + m] as number) * (z[m] as number);
    z[i] = sum / (l[i * k + i] as number);
  }
  const beta = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = z[i] as number;
    for (let m = i + 1; m < k; m++) sum -= (l[m * k + i] as number) * (beta[m] as number);
    beta[i] = sum / (l[i * k + i] as number);
  }
  return beta;
}

/**
 * Huber regression by IRLS: residuals beyond `huberScale` × (1.4826 · MAD of the residuals) get
 * weight c/|r|, so an outlier pulls linearly instead of quadratically.
 */
export function huberRidge(design: DesignMatrix, options: { ridge: number; iterations: number; huberScale: number }): Float64Array {
  let beta = weightedRidge(design, undefined, options.ridge);
  const { x, y, rows, columns: k } = design;
  const residuals = new Float64Array(rows);
  const absolute = new Float64Array(rows);
  const weights = new Float64Array(rows);
  for (let iteration = 0; iteration < options.iterations; iteration++) {
    for (let r = 0; r < rows; r++) {
      let fitted = 0;
      for (let j = 0; j < k; j++) fitted += (x[r * k + j] as number) * (beta[j] as number);
      const residual = (y[r] as number) - fitted;
      residuals[r] = residual;
      absolute[r] = residual < 0 ? -residual : residual;
    }
    const mad = rows > 0 ? selectKth(absolute, rows >> 1) : 0;
    const threshold = options.huberScale * 1.4826 * mad;
    if (!(threshold > 0)) break;
    for (let r = 0; r < rows; r++) {
      const size = Math.abs(residuals[r] as number);
      weights[r] = size <= threshold ? 1 : threshold / size;
    }
    beta = weightedRidge(design, weights, options.ridge);
  }
  return beta;
}

/** The k-th smallest value (0-based) of `values`, reordering it in place (Hoare's quickselect, O(n)). */
export function selectKth(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const pivot = values[(left + right) >> 1] as number;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k] as number;
}
