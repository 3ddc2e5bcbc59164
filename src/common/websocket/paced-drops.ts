import { TurnPacer } from './turn-pacer';

/** How many connections a sweep closes per turn of the event loop. */
const DROPS_PER_TURN = 10;

/**
 * Closes connections a few per turn of the event loop. Closing one runs every
 * disconnect handler of the application (presence, channels, statistics), and
 * a sweep that finds a hundred clients that stopped reading together would
 * otherwise hold the loop for all of them at once, delaying every other client.
 * Each connection is dropped once, however many sweeps find it before its turn.
 */
export class PacedDrops<T extends object> {
  private readonly scheduled = new WeakSet<T>();
  private readonly pacer: TurnPacer;

  constructor(
    private readonly drop: (connection: T) => void,
    perTurn = DROPS_PER_TURN,
  ) {
    this.pacer = new TurnPacer(perTurn);
  }

  dropAll(connections: Iterable<T>): void {
    for (const connection of connections) {
      if (this.scheduled.has(connection)) continue;
      this.scheduled.add(connection);
      this.pacer.run(() => this.drop(connection));
    }
  }
}
