/** Retries an assertion until it holds or `timeoutMs` passes (work that follows a response, such as event listeners); resolves with its result. */
export async function eventually<T>(assertion: () => Promise<T> | T, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
