/**
 * A read-only, index-faithful document store for benchmarks: indexes are sorted
 * arrays searched by bisection, as in a real Convex deployment. (convex-test
 * scans every document for each index query, so it cannot show whether a
 * query's cost grows with history.) It counts documents read.
 */
import schema from "../convex/schema";

type Doc = Record<string, unknown> & { _id: string; _creationTime: number };
export type Key = unknown[];

export function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

export function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compare(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

interface Bound {
  key: Key;
  inclusive: boolean;
}

export class RangeBuilder {
  eqs: unknown[] = [];
  lower?: Bound;
  upper?: Bound;
  eq(_field: string, value: unknown) {
    this.eqs.push(value);
    return this;
  }
  gte(_f: string, value: unknown) {
    this.lower = { key: [...this.eqs, value], inclusive: true };
    return this;
  }
  gt(_f: string, value: unknown) {
    this.lower = { key: [...this.eqs, value], inclusive: false };
    return this;
  }
  lte(_f: string, value: unknown) {
    this.upper = { key: [...this.eqs, value], inclusive: true };
    return this;
  }
  lt(_f: string, value: unknown) {
    this.upper = { key: [...this.eqs, value], inclusive: false };
    return this;
  }
}

export class IndexedStore {
  private docs = new Map<string, Doc>();
  private indexes = new Map<string, { fields: string[]; rows: Doc[] }>();
  private nextId = 0;
  reads = 0;

  constructor() {
    // `export()` is how the Convex CLI serialises a schema; it is not in the public types.
    const exported = JSON.parse((schema as unknown as { export(): string }).export()) as {
      tables: { tableName: string; indexes: { indexDescriptor: string; fields: string[] }[] }[];
    };
    for (const table of exported.tables) {
      for (const index of table.indexes) {
        this.indexes.set(`${table.tableName}.${index.indexDescriptor}`, { fields: index.fields, rows: [] });
      }
    }
  }

  /** Bulk insert; call `build()` before querying. */
  insert(table: string, fields: Record<string, unknown>): string {
    const _id = `${++this.nextId}${table}`;
    const doc = { ...fields, _id, _creationTime: this.nextId } as Doc;
    this.docs.set(_id, doc);
    for (const [name, index] of this.indexes) if (name.startsWith(`${table}.`)) index.rows.push(doc);
    return _id;
  }

  build(): this {
    for (const index of this.indexes.values()) {
      index.rows.sort((a, b) => compareKeys(this.key(index.fields, a), this.key(index.fields, b)));
    }
    return this;
  }

  private key(fields: string[], doc: Doc): Key {
    return [...fields.map((f) => doc[f]), doc._creationTime];
  }

  /** The document's index key (fields, then _creationTime) against a key prefix, without building the key. */
  private comparePrefix(fields: string[], doc: Doc, bound: Key): number {
    for (let i = 0; i < bound.length; i++) {
      const c = compare(i < fields.length ? doc[fields[i]] : doc._creationTime, bound[i]);
      if (c !== 0) return c;
    }
    return 0;
  }

  private firstAtOrAfter(fields: string[], rows: Doc[], bound: Key, strict: boolean): number {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.comparePrefix(fields, rows[mid], bound);
      if (c < 0 || (strict && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private range(table: string, indexName: string, build: (q: RangeBuilder) => RangeBuilder): Doc[] {
    const index = this.indexes.get(`${table}.${indexName}`);
    if (!index) throw new Error(`no index ${table}.${indexName}`);
    const q = build(new RangeBuilder());
    const lower = q.lower ?? { key: q.eqs, inclusive: true };
    const upper = q.upper ?? { key: q.eqs, inclusive: true };
    const out: Doc[] = [];
    for (let i = this.firstAtOrAfter(index.fields, index.rows, lower.key, !lower.inclusive); i < index.rows.length; i++) {
      const c = this.comparePrefix(index.fields, index.rows[i], upper.key);
      if (c > 0 || (c === 0 && !upper.inclusive)) break;
      this.reads++;
      out.push(index.rows[i]);
    }
    return out;
  }

  /** The subset of a query context's `db` that read-only handlers use. */
  get db() {
    return {
      get: async (_table: string, id: string) => {
        this.reads++;
        return this.docs.get(id) ?? null;
      },
      query: (table: string) => ({
        withIndex: (name: string, build: (q: RangeBuilder) => RangeBuilder) => {
          const rows = () => this.range(table, name, build);
          return {
            collect: async () => rows(),
            take: async (n: number) => rows().slice(0, n),
            first: async () => rows()[0] ?? null,
            unique: async () => {
              const found = rows();
              if (found.length > 1) throw new Error(`unique() found ${found.length} documents in ${table}.${name}`);
              return found[0] ?? null;
            },
          };
        },
      }),
    };
  }
}
