/**
 * One-at-a-time sections per key, within this process: the steps of an image's upload (PUT json, layer,
 * checksum) run one after another for one image id, so the json, layer and checksum an image completes
 * with always come from one upload. Waiters queue in arrival order; nothing is held once a section ends.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await section();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a section running or waiting (tests check that nothing is left behind). */
  get size(): number {
    return this.tails.size;
  }
}
