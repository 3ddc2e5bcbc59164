/** What a strict mock may be given: a jest mock per method, a plain value per property. */
export type StrictStubs<T> = {
  [K in keyof T]?: T[K] extends (...args: never[]) => unknown ? jest.Mock : T[K];
};

/**
 * A stand-in for a dependency of a unit under test that throws on any member
 * that was not stubbed, so a call the test did not plan for (an extra database
 * read, a publish that should not happen) fails the test instead of returning
 * `undefined` quietly.
 *
 * Symbols and `then` read as undefined: jest's printer and `await` probe them,
 * and a mock handed to a promise must not look like a thenable.
 *
 * @example
 * const findById = jest.fn().mockResolvedValue(null);
 * const repository = strictMock<SessionsRepository>({ findById }, 'sessions repository');
 */
export function strictMock<T extends object>(stubs: StrictStubs<T>, label = 'mock'): T {
  return new Proxy(stubs, {
    get: (target, name) => {
      if (typeof name === 'symbol' || name === 'then') return undefined;
      if (name in target) return target[name as keyof typeof target];
      throw new Error(`unexpected ${label} call: ${name}`);
    },
  }) as T;
}
