import { PacedDrops } from './paced-drops';

describe('PacedDrops', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const connections = (count: number) => Array.from({ length: count }, (_, id) => ({ id }));

  it('drops a few connections per turn of the event loop, in order', () => {
    const dropped: number[] = [];
    const drops = new PacedDrops<{ id: number }>((connection) => dropped.push(connection.id), 10);
    drops.dropAll(connections(25));
    expect(dropped).toEqual(Array.from({ length: 10 }, (_, id) => id));
    jest.advanceTimersToNextTimer();
    expect(dropped).toHaveLength(20);
    jest.advanceTimersToNextTimer();
    expect(dropped).toEqual(Array.from({ length: 25 }, (_, id) => id));
  });

  it('drops a connection once, however many sweeps find it before its turn', () => {
    const dropped: number[] = [];
    const drops = new PacedDrops<{ id: number }>((connection) => dropped.push(connection.id), 2);
    const all = connections(5);
    drops.dropAll(all);
    drops.dropAll(all);
    jest.runAllTimers();
    drops.dropAll(all);
    jest.runAllTimers();
    expect(dropped).toEqual([0, 1, 2, 3, 4]);
  });
});
