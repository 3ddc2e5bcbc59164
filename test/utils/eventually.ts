/** Retries an assertion until it holds or `timeoutMs` passes (work that follows a response, such as event listeners). */
export async function eventually(assertion: () => Promise<void> | void, timeoutMs = 2000): Promise<void> {
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
