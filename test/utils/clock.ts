/** Every fakeable timer API but Date: the service sees a later clock while sockets and timeouts run for real. */
const NOT_THE_CLOCK: NonNullable<FakeTimersConfig['doNotFake']> = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
];

/**
 * Moves the wall clock (Date) of this process, and so of the app under test, `ms` ahead; it keeps
 * running from there. For windows too long to wait out (grace periods, expiries). Undo with
 * `jest.useRealTimers()`.
 */
export function moveClockForward(ms: number): void {
  jest.useFakeTimers({ now: Date.now() + ms, advanceTimers: true, doNotFake: NOT_THE_CLOCK });
}
