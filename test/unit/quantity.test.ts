import { describe, expect, it } from 'vitest';
import { formatBytes, parseQuantity } from '../../src/engine/quantity.js';

// Capacity comparisons (R5.3c, R5.6) and utilization (R7.4) depend on Quantity.Value().
describe('Quantity parsing (bytes, rounded up like Quantity.Value())', () => {
  it.each<{ q: string | number | null | undefined; want: number | undefined }>([
    { q: '1Gi', want: 2 ** 30 },
    { q: '1G', want: 1e9 },
    { q: '500Mi', want: 500 * 2 ** 20 },
    { q: '2048Mi', want: 2 * 2 ** 30 },
    { q: '1.5Gi', want: 1.5 * 2 ** 30 },
    { q: '1Ti', want: 2 ** 40 },
    { q: '1k', want: 1000 },
    { q: '1Ki', want: 1024 },
    { q: '100m', want: 1 },
    { q: '1500m', want: 2 },
    { q: '1e3', want: 1000 },
    { q: '1E', want: 1e18 },
    { q: '0', want: 0 },
    { q: '12345', want: 12345 },
    { q: 42, want: 42 },
    { q: 0.5, want: 1 },
    { q: 'abc', want: undefined },
    { q: '1 Gi', want: undefined },
    { q: '1GiB', want: undefined },
    { q: null, want: undefined },
    { q: undefined, want: undefined },
  ])('$q → $want', ({ q, want }) => {
    expect(parseQuantity(q)).toBe(want);
  });

  it('decimal and binary suffixes compare by value: 1G < 1Gi, 1000Mi < 1Gi', () => {
    expect(parseQuantity('1G')!).toBeLessThan(parseQuantity('1Gi')!);
    expect(parseQuantity('1000Mi')!).toBeLessThan(parseQuantity('1Gi')!);
    expect(parseQuantity('1024Mi')).toBe(parseQuantity('1Gi'));
  });

  it.each([
    { bytes: 2 ** 30, want: '1Gi' },
    { bytes: 1.5 * 2 ** 30, want: '1.5Gi' },
    { bytes: 200 * 2 ** 30, want: '200Gi' },
    { bytes: 512, want: '512' },
  ])('formatBytes($bytes) = $want', ({ bytes, want }) => {
    expect(formatBytes(bytes)).toBe(want);
  });
});
