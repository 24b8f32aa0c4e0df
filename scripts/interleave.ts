/**
 * History ratios compare two stores measured turn about, so a slow moment of the machine
 * (GC, another process) falls on both sides alike.
 */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Warms both up together, then times `runs` alternating rounds; the medians of each side, in ms. */
export async function interleavedMedians<S>(
  time: (subject: S) => Promise<number>,
  a: S,
  b: S,
  { warmups, runs }: { warmups: number; runs: number },
): Promise<[number, number]> {
  for (let i = 0; i < warmups; i++) await Promise.all([time(a), time(b)]);
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(await time(a));
    bs.push(await time(b));
  }
  return [median(as), median(bs)];
}
