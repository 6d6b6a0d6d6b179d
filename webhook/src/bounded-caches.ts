// Bounded memory for what reviews ask again and again: an LRU by count and weight, values that expire, one flight of work per key.

/** What an entry weighs (bytes, roughly), and how much all of them may weigh together. */
export interface LruWeight<V> {
  readonly of: (value: V) => number;
  readonly max: number;
}

/**
 * Least recently used entries go first once `capacity` is reached, or once the entries together
 * weigh more than `weight.max` (Map keeps insertion order). An entry heavier than that on its own
 * is not kept, and evicts nothing.
 */
export class BoundedLru<K, V> {
  readonly #entries = new Map<K, V>();
  /** The most recently used key: asked for again, as pods of one workload do, it stays put. */
  #newest: K | undefined;
  #weight = 0;
  constructor(
    readonly capacity: number,
    private readonly weight: LruWeight<V> | null = null,
  ) {}

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined || key === this.#newest) return value;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    this.#newest = key;
    return value;
  }

  set(key: K, value: V): void {
    this.#forget(key);
    const weighs = this.weight?.of(value) ?? 0;
    // Too heavy to keep at all: evicting everything else for it would keep nothing useful.
    if (this.weight !== null && weighs > this.weight.max) return;
    this.#entries.set(key, value);
    this.#weight += weighs;
    this.#newest = key;
    while (
      this.#entries.size > this.capacity ||
      (this.weight !== null && this.#weight > this.weight.max)
    ) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#forget(oldest.value);
    }
  }

  #forget(key: K): void {
    const value = this.#entries.get(key);
    if (value === undefined) return;
    this.#entries.delete(key);
    this.#weight -= this.weight?.of(value) ?? 0;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Values that expire at a time each entry carries; bounded like the LRU. */
export class ExpiringLru<K, V> {
  readonly #entries: BoundedLru<K, { value: V; expiresAt: number }>;
  constructor(
    capacity: number,
    private readonly now: () => number,
    weight: LruWeight<V> | null = null,
  ) {
    this.#entries = new BoundedLru(
      capacity,
      weight === null ? null : { of: entry => weight.of(entry.value), max: weight.max },
    );
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt <= this.now()) return undefined;
    return entry.value;
  }

  set(key: K, value: V, ttlMs: number): void {
    if (ttlMs > 0) this.#entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }
}

interface Flight<V> {
  readonly promise: Promise<V>;
  readonly startedAt: number;
  /** A caller joined: the work may run the budget from now. */
  joined(): void;
}

/**
 * Concurrent callers for one key share one piece of work until it settles. With a budget, the
 * work's signal aborts a budget after the last caller joined: a caller who joins late gets its
 * whole budget (the work goes on for it), never an earlier caller's deadline. A caller arriving
 * once the work is older than one budget starts it afresh instead, so a hung registry asked
 * without pause cannot keep one attempt alive for ever: no work outlives two budgets. Each caller
 * still stops waiting at its own deadline.
 */
export class SingleFlight<K, V> {
  readonly #flights = new Map<K, Flight<V>>();

  constructor(
    private readonly budgetMs: number | null = null,
    private readonly now: () => number = Date.now,
  ) {}

  run(key: K, work: (signal: AbortSignal) => Promise<V>): Promise<V> {
    const running = this.#flights.get(key);
    const budgetMs = this.budgetMs;
    if (running !== undefined && (budgetMs === null || this.now() - running.startedAt < budgetMs)) {
      running.joined();
      return running.promise;
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const joined = (): void => {
      if (budgetMs === null) return;
      clearTimeout(timer);
      timer = setTimeout(
        () => controller.abort(new DOMException("the lookup budget is spent", "TimeoutError")),
        budgetMs,
      );
      timer.unref();
    };
    joined();
    const flight: Flight<V> = {
      promise: work(controller.signal).finally(() => {
        clearTimeout(timer);
        // A fresh attempt may have taken the key meanwhile.
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
      }),
      startedAt: this.now(),
      joined,
    };
    this.#flights.set(key, flight);
    return flight.promise;
  }

  get size(): number {
    return this.#flights.size;
  }
}
