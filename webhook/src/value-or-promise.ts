// A value now or a promise of it later: a review answered from memory costs no promise and no turn of the microtask queue.

export type ValueOrPromise<T> = T | Promise<T>;

/** `next` applied at once when the value is here, or when it comes: the one place the two are told apart. */
export function andThen<T, U>(value: ValueOrPromise<T>, next: (value: T) => U): ValueOrPromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
