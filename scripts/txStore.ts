/**
 * A transactional, index-faithful in-memory Convex for benchmarks at a scale
 * convex-test cannot reach (it scans a whole table for each index query, about a
 * second per query at 120,000 documents). The real handlers run against it:
 * indexes are sorted (bucketed by their first field, searched by bisection),
 * each mutation is one transaction with read-your-writes and all-or-nothing
 * commit, scheduled functions queue up, and every transaction is charged what
 * Convex charges (documents and bytes read and written, functions scheduled)
 * against Convex's limits; a transaction over a limit throws and commits nothing.
 * Bytes are JSON lengths, close to Convex's own document sizes.
 */
import { getFunctionName } from "convex/server";
import schema from "../convex/schema";
import { compare, compareKeys, RangeBuilder, type Key } from "./indexedStore";

type Doc = Record<string, unknown> & { _id: string; _creationTime: number };
type Handler = (ctx: unknown, args: unknown) => Promise<unknown>;
type Registered = { _handler: Handler; isMutation?: boolean; isAction?: boolean; isQuery?: boolean };

const MiB = 1 << 20;
export const CONVEX_LIMITS = {
  documentsRead: 32_000,
  bytesRead: 16 * MiB,
  documentsWritten: 16_000,
  bytesWritten: 16 * MiB,
  functionsScheduled: 1_000,
} as const;
export type Usage = Record<keyof typeof CONVEX_LIMITS, number>;

const size = (doc: unknown) => JSON.stringify(doc).length;

/** A field of a document by its index path ("message.kind" reads a nested field, as Convex indexes do). */
function fieldOf(doc: Doc, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split(".")) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/** One index: rows sorted by (fields..., _creationTime, _id), in buckets per value of the first field. */
class SortedIndex {
  private buckets = new Map<unknown, Doc[]>();
  private firsts: unknown[] = [];
  constructor(readonly fields: string[]) {}

  key(doc: Doc): Key {
    return [...this.fields.map((f) => fieldOf(doc, f)), doc._creationTime, doc._id];
  }

  private position(rows: Doc[], key: Key, strict: boolean): number {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compareKeys(this.key(rows[mid]).slice(0, key.length), key);
      if (c < 0 || (strict && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private firstPosition(first: unknown): number {
    let lo = 0;
    let hi = this.firsts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(this.firsts[mid], first) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(doc: Doc) {
    const first = fieldOf(doc, this.fields[0]);
    let rows = this.buckets.get(first);
    if (!rows) {
      rows = [];
      this.buckets.set(first, rows);
      this.firsts.splice(this.firstPosition(first), 0, first);
    }
    rows.splice(this.position(rows, this.key(doc), false), 0, doc);
  }

  remove(doc: Doc) {
    const first = fieldOf(doc, this.fields[0]);
    const rows = this.buckets.get(first)!;
    rows.splice(this.position(rows, this.key(doc), false), 1);
    if (rows.length === 0) {
      this.buckets.delete(first);
      this.firsts.splice(this.firstPosition(first), 1);
    }
  }

  /** Swaps in a new version of a row whose index key did not change. */
  replace(old: Doc, doc: Doc) {
    const rows = this.buckets.get(fieldOf(old, this.fields[0]))!;
    rows[this.position(rows, this.key(old), false)] = doc;
  }

  /** Rows in [lower, upper], in index order. */
  *scan(lower: { key: Key; inclusive: boolean } | undefined, upper: { key: Key; inclusive: boolean } | undefined): Generator<Doc> {
    for (const first of this.firsts) {
      if (lower && lower.key.length > 0 && compare(first, lower.key[0]) < 0) continue;
      if (upper && upper.key.length > 0 && compare(first, upper.key[0]) > 0) return;
      const rows = this.buckets.get(first)!;
      for (let i = lower ? this.position(rows, lower.key, !lower.inclusive) : 0; i < rows.length; i++) {
        if (upper && !SortedIndex.below(this.key(rows[i]), upper)) return;
        yield rows[i];
      }
    }
  }

  static below(key: Key, upper: { key: Key; inclusive: boolean }): boolean {
    const c = compareKeys(key.slice(0, upper.key.length), upper.key);
    return c < 0 || (c === 0 && upper.inclusive);
  }

  static above(key: Key, lower: { key: Key; inclusive: boolean }): boolean {
    const c = compareKeys(key.slice(0, lower.key.length), lower.key);
    return c > 0 || (c === 0 && lower.inclusive);
  }
}

export class LimitError extends Error {}

type Job = { id: string; name: string; args: unknown };

/** One transaction: its writes (null = deleted), its schedules and what it used. */
class Transaction {
  writes = new Map<string, Doc | null>();
  scheduled: Job[] = [];
  usage: Usage = { documentsRead: 0, bytesRead: 0, documentsWritten: 0, bytesWritten: 0, functionsScheduled: 0 };

  charge(metric: keyof Usage, amount: number) {
    this.usage[metric] += amount;
    if (this.usage[metric] > CONVEX_LIMITS[metric]) throw new LimitError(`${metric} over Convex's limit of ${CONVEX_LIMITS[metric]}`);
  }
}

export class TxStore {
  private docs = new Map<string, Doc>();
  private tables = new Map<string, Map<string, SortedIndex>>();
  private nextId = 0;
  private queue: Job[] = [];
  private cancelled = new Set<string>();
  /** Every committed or failed mutation: its name, usage, and the error if it failed. */
  transactions: { name: string; usage: Usage; error?: string }[] = [];

  constructor(private modules: Record<string, Record<string, unknown>>) {
    const exported = JSON.parse((schema as unknown as { export(): string }).export()) as {
      tables: { tableName: string; indexes: { indexDescriptor: string; fields: string[] }[] }[];
    };
    for (const table of exported.tables) {
      const indexes = new Map<string, SortedIndex>();
      for (const index of table.indexes) indexes.set(index.indexDescriptor, new SortedIndex(index.fields));
      // Convex's built-in index: what `query(table)` without withIndex reads.
      indexes.set("by_creation_time", new SortedIndex(["_creationTime"]));
      this.tables.set(table.tableName, indexes);
    }
  }

  private index(table: string, name: string): SortedIndex {
    const index = this.tables.get(table)?.get(name);
    if (!index) throw new Error(`no index ${table}.${name}`);
    return index;
  }

  private place(table: string, doc: Doc) {
    this.docs.set(doc._id, doc);
    for (const index of this.tables.get(table)!.values()) index.insert(doc);
  }

  /** Seeding, outside any transaction. */
  insert(table: string, fields: Record<string, unknown>): string {
    const _id = `${++this.nextId}:${table}`;
    this.place(table, { ...fields, _id, _creationTime: this.nextId });
    return _id;
  }

  all(table: string): Doc[] {
    return [...this.docs.values()].filter((d) => this.tableOf(d._id) === table);
  }

  private tableOf(id: string): string {
    return id.slice(id.indexOf(":") + 1);
  }

  private dbFor(tx: Transaction) {
    const read = (id: string): Doc | null => {
      const doc = tx.writes.has(id) ? tx.writes.get(id)! : (this.docs.get(id) ?? null);
      if (doc) {
        tx.charge("documentsRead", 1);
        tx.charge("bytesRead", size(doc));
      }
      return doc;
    };
    const write = (id: string, doc: Doc | null) => {
      tx.writes.set(id, doc);
      tx.charge("documentsWritten", 1);
      tx.charge("bytesWritten", doc ? size(doc) : 0);
    };
    const rows = (table: string, indexName: string, build: (q: RangeBuilder) => RangeBuilder, order: "asc" | "desc") => {
      const index = this.index(table, indexName);
      const q = build(new RangeBuilder());
      const lower = q.lower ?? (q.eqs.length ? { key: q.eqs, inclusive: true } : undefined);
      const upper = q.upper ?? (q.eqs.length ? { key: q.eqs, inclusive: true } : undefined);
      // Committed rows this transaction has not touched, then its own writes in range, merged in index order.
      const own = [...tx.writes.values()].filter(
        (d): d is Doc =>
          d !== null &&
          this.tableOf(d._id) === table &&
          (!lower || SortedIndex.above(index.key(d), lower)) &&
          (!upper || SortedIndex.below(index.key(d), upper)),
      );
      own.sort((a, b) => compareKeys(index.key(a), index.key(b)));
      const committed = index.scan(lower, upper);
      const merged = function* (): Generator<Doc> {
        let next = committed.next();
        let o = 0;
        for (;;) {
          while (!next.done && tx.writes.has(next.value._id)) next = committed.next();
          if (next.done && o >= own.length) return;
          if (!next.done && (o >= own.length || compareKeys(index.key(next.value), index.key(own[o])) < 0)) {
            yield next.value;
            next = committed.next();
          } else yield own[o++];
        }
      };
      const charged = function* (source: Generator<Doc>): Generator<Doc> {
        for (const doc of source) {
          tx.charge("documentsRead", 1);
          tx.charge("bytesRead", size(doc));
          yield doc;
        }
      };
      if (order === "desc") return charged([...merged()].reverse().values() as unknown as Generator<Doc>);
      return charged(merged());
    };
    const take = (source: Generator<Doc>, n: number) => {
      const out: Doc[] = [];
      if (n <= 0) return out;
      for (const doc of source) if (out.push(doc) >= n) break;
      return out;
    };
    const query = (table: string) => {
      const chain = (indexName: string, build: (q: RangeBuilder) => RangeBuilder, order: "asc" | "desc") => ({
        order: (o: "asc" | "desc") => chain(indexName, build, o),
        take: async (n: number) => take(rows(table, indexName, build, order), n),
        first: async () => take(rows(table, indexName, build, order), 1)[0] ?? null,
        collect: async () => [...rows(table, indexName, build, order)],
        unique: async () => {
          const found = take(rows(table, indexName, build, order), 2);
          if (found.length > 1) throw new Error(`unique() found several ${table} rows`);
          return found[0] ?? null;
        },
        paginate: async ({ cursor, numItems }: { cursor: string | null; numItems: number }) => {
          const after = cursor === null ? null : (JSON.parse(cursor) as Key);
          const index = this.index(table, indexName);
          const source = rows(table, indexName, (q) => {
            const b = build(q);
            if (after) b.lower = { key: after, inclusive: false };
            return b;
          }, order);
          const page = take(source, numItems + 1);
          const isDone = page.length <= numItems;
          const shown = page.slice(0, numItems);
          const last = shown[shown.length - 1];
          return { page: shown, isDone, continueCursor: last ? JSON.stringify(index.key(last)) : (cursor ?? "") };
        },
      });
      return {
        withIndex: (indexName: string, build: (q: RangeBuilder) => RangeBuilder = (q) => q) => chain(indexName, build, "asc"),
        ...chain("by_creation_time", (q) => q, "asc"),
      };
    };
    return {
      get: async (_table: string, id: string) => read(id),
      query,
      // Mutations are wrapped by convex-helpers' Triggers (convex/functions.ts), which binds these.
      normalizeId: (table: string, id: string) => (this.tableOf(id) === table ? id : null),
      system: {},
      insert: async (table: string, fields: Record<string, unknown>) => {
        const _id = `${++this.nextId}:${table}`;
        write(_id, { ...fields, _id, _creationTime: this.nextId });
        return _id;
      },
      patch: async (_table: string, id: string, fields: Record<string, unknown>) => {
        const doc = read(id);
        if (!doc) throw new Error(`patch of missing ${id}`);
        const next: Doc = { ...doc, ...fields };
        for (const [k, v] of Object.entries(fields)) if (v === undefined) delete next[k];
        write(id, next);
      },
      replace: async (_table: string, id: string, fields: Record<string, unknown>) => {
        const doc = read(id);
        if (!doc) throw new Error(`replace of missing ${id}`);
        write(id, { ...fields, _id: doc._id, _creationTime: doc._creationTime });
      },
      delete: async (_table: string, id: string) => write(id, null),
    };
  }

  private resolve(ref: unknown): { name: string; fn: Registered } {
    const name = typeof ref === "string" ? ref : getFunctionName(ref as never);
    const [module, exportName] = name.split(":");
    const fn = this.modules[module]?.[exportName ?? "default"] as Registered | undefined;
    if (!fn) throw new Error(`no function ${name} in the bench's modules`);
    return { name, fn };
  }

  private commit(tx: Transaction) {
    for (const [id, doc] of tx.writes) {
      const table = this.tableOf(id);
      const old = this.docs.get(id);
      if (!old) {
        if (doc) this.place(table, doc);
        continue;
      }
      for (const index of this.tables.get(table)!.values()) {
        if (doc && compareKeys(index.key(old), index.key(doc)) === 0) index.replace(old, doc);
        else {
          index.remove(old);
          if (doc) index.insert(doc);
        }
      }
      if (doc) this.docs.set(id, doc);
      else this.docs.delete(id);
    }
    this.queue.push(...tx.scheduled);
  }

  /** Runs one mutation (or query) as a transaction; over a limit, nothing commits and the error is recorded and thrown. */
  async runMutation(ref: unknown, args: unknown): Promise<unknown> {
    const { name, fn } = this.resolve(ref);
    const tx = new Transaction();
    const schedule = (target: unknown, targetArgs: unknown) => {
      tx.charge("functionsScheduled", 1);
      const id = `${++this.nextId}:_scheduled_functions`;
      tx.scheduled.push({ id, name: this.resolve(target).name, args: targetArgs });
      return id;
    };
    const ctx = {
      db: this.dbFor(tx),
      scheduler: {
        runAfter: async (_delayMs: number, target: unknown, targetArgs: unknown) => schedule(target, targetArgs),
        runAt: async (_at: number, target: unknown, targetArgs: unknown) => schedule(target, targetArgs),
        cancel: async (id: string) => {
          this.cancelled.add(id);
        },
      },
    };
    try {
      const result = await fn._handler(ctx, args ?? {});
      this.commit(tx);
      this.transactions.push({ name, usage: tx.usage });
      return result;
    } catch (e) {
      this.transactions.push({ name, usage: tx.usage, error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  }

  async runAction(ref: unknown, args: unknown): Promise<unknown> {
    const { fn } = this.resolve(ref);
    const ctx = {
      runMutation: (target: unknown, a: unknown) => this.runMutation(target, a),
      runQuery: (target: unknown, a: unknown) => this.runMutation(target, a),
      scheduler: {
        runAfter: async (_d: number, target: unknown, a: unknown) => void this.queue.push({ id: `${++this.nextId}:_scheduled_functions`, name: this.resolve(target).name, args: a }),
      },
    };
    return await fn._handler(ctx, args ?? {});
  }

  /** Runs scheduled functions in order until none is left (delays and run-at times are not waited for; cancelled ones are skipped). */
  async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (this.cancelled.has(job.id)) continue;
      const { fn } = this.resolve(job.name);
      try {
        if (fn.isAction) await this.runAction(job.name, job.args);
        else await this.runMutation(job.name, job.args);
      } catch {
        // Recorded in `transactions`; like Convex, a failed scheduled function does not stop the others.
      }
    }
  }
}
