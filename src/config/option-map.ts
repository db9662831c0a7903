// A conn's (or config setup's) keyword values: the ones set in the file (own) over Libreswan's defaults
// (one shared map for every conn). A 10,000-conn file thus allocates only what it sets; reading and
// iterating work like a read-only Map, in keyword-table order.
import { OptionValue } from './model';

export class OptionMap implements Iterable<[string, OptionValue]> {
  constructor(
    /** Every key in table order. */
    private readonly order: readonly string[],
    private readonly defaults: ReadonlyMap<string, OptionValue>,
    private readonly own: Map<string, OptionValue> = new Map(),
  ) {}

  get(key: string): OptionValue | undefined {
    return this.own.get(key) ?? this.defaults.get(key);
  }

  has(key: string): boolean {
    return this.own.has(key) || this.defaults.has(key);
  }

  /** For the loader only (derived values, resolved host names); the result is read-only to its users. */
  set(key: string, value: OptionValue): void {
    this.own.set(key, value);
  }

  get size(): number {
    let n = 0;
    for (const key of this.order) if (this.has(key)) n++;
    return n;
  }

  *entries(): IterableIterator<[string, OptionValue]> {
    for (const key of this.order) {
      const v = this.get(key);
      if (v) yield [key, v];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<OptionValue> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[string, OptionValue]> {
    return this.entries();
  }

  forEach(callback: (value: OptionValue, key: string, map: OptionMap) => void): void {
    for (const [k, v] of this.entries()) callback(v, k, this);
  }

  /** A plain object (for JSON and for debugging). */
  toJSON(): Record<string, OptionValue> {
    return Object.fromEntries(this.entries());
  }
}
