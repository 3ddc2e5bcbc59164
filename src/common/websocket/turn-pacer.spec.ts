import { TurnPacer } from './turn-pacer';

describe('TurnPacer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the first tasks of a turn at once and the rest a few per later turn, in order', () => {
    const ran: number[] = [];
    const pacer = new TurnPacer(3);
    for (let n = 0; n < 8; n++) pacer.run(() => ran.push(n));
    expect(ran).toEqual([0, 1, 2]);
    jest.advanceTimersToNextTimer();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5]);
    jest.advanceTimersToNextTimer();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(pacer.waiting).toBe(0);
  });

  it('puts a task behind those already waiting, and starts a quiet turn afresh', () => {
    const ran: string[] = [];
    const pacer = new TurnPacer(1);
    pacer.run(() => ran.push('a'));
    pacer.run(() => ran.push('b'));
    jest.advanceTimersToNextTimer();
    pacer.run(() => ran.push('c'));
    expect(ran).toEqual(['a', 'b']);
    jest.runAllTimers();
    expect(ran).toEqual(['a', 'b', 'c']);
    pacer.run(() => ran.push('d'));
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
  });
});
