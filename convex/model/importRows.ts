import { readProspect, type FieldError, type Prospect } from "./prospects";

/** Convex's limit on array elements in arguments and return values. */
export const MAX_IMPORT_ROWS = 8192;
/** Rows written per transaction: ~2 reads and 1 write each, far inside Convex's limits. */
export const IMPORT_CHUNK = 500;

export type InvalidRow = FieldError & { row: number };

/**
 * Reads an import's rows: the valid ones (phone in E.164), and every problem of the others
 * by row index. Past MAX_IMPORT_ROWS problems, each invalid row keeps its first only, so the
 * answer stays inside the array limit.
 */
export function readImportRows(rows: unknown[]): { valid: Prospect[]; invalid: InvalidRow[] } {
  const valid: Prospect[] = [];
  const problems: InvalidRow[][] = [];
  for (const [row, raw] of rows.entries()) {
    const read = readProspect(raw);
    if (read.ok) valid.push(read.value);
    else problems.push(read.errors.map((e) => ({ row, ...e })));
  }
  const all = problems.flat();
  return { valid, invalid: all.length <= MAX_IMPORT_ROWS ? all : problems.map((p) => p[0]) };
}
