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

  it('writes a wave of answers due together a few per turn of the event loop, in arrival order', () => {
    const pacer = new RefusalPacer(1000);
    const order: number[] = [];
    for (let i = 0; i < 40; i++) pacer.hold(() => order.push(i));
    jest.advanceTimersByTime(999);
    expect(order).toHaveLength(0);
    jest.advanceTimersToNextTimer();
    expect(order).toHaveLength(16);
    jest.advanceTimersToNextTimer();
    expect(order).toHaveLength(32);
    jest.advanceTimersToNextTimer();
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(pacer.held).toBe(0);
  });

  it('keeps each answer for the whole delay when they arrive apart', () => {
    const pacer = new RefusalPacer(1000);
    const first = jest.fn();
    const second = jest.fn();
    pacer.hold(first);
    jest.advanceTimersByTime(400);
    pacer.hold(second);
    jest.advanceTimersByTime(600);
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).not.toHaveBeenCalled();
    jest.advanceTimersByTime(399);
    expect(second).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(second).toHaveBeenCalledTimes(1);
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
