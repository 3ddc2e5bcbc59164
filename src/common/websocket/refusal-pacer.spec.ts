import { RefusalPacer } from './refusal-pacer';

describe('RefusalPacer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers once the delay is over', () => {
    const pacer = new RefusalPacer(1000);
    const answer = jest.fn();
    pacer.hold(answer);
    jest.advanceTimersByTime(999);
    expect(answer).not.toHaveBeenCalled();
    expect(pacer.held).toBe(1);
    jest.advanceTimersByTime(1);
    expect(answer).toHaveBeenCalledTimes(1);
    expect(pacer.held).toBe(0);
  });

  it('answers at once when the delay is 0', () => {
    const answer = jest.fn();
    new RefusalPacer(0).hold(answer);
    expect(answer).toHaveBeenCalledTimes(1);
  });

  it('holds at most maxHeld answers; the others are written at once', () => {
    const pacer = new RefusalPacer(1000, 3);
    const answers = Array.from({ length: 5 }, () => jest.fn());
    for (const answer of answers) pacer.hold(answer);
    expect(pacer.held).toBe(3);
    expect(answers.filter((answer) => answer.mock.calls.length === 1)).toHaveLength(2);
    jest.advanceTimersByTime(1000);
    expect(answers.every((answer) => answer.mock.calls.length === 1)).toBe(true);
    // Room again once the held answers are out.
    const later = jest.fn();
    pacer.hold(later);
    expect(later).not.toHaveBeenCalled();
  });
});
