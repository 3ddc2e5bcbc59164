/** Runs task(0) … task(n − 1), at most `width` in flight; resolves to their results in order. */
export async function inBatches(n, width, task) {
  const results = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}
