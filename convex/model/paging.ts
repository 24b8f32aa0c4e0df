import { ConvexError } from "convex/values";

/** A list's page size: the one asked for (a whole number up to `max`), else `fallback`. */
export function listLimit(limit: number | undefined, fallback: number, max: number): number {
  const n = limit ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConvexError(`limit must be a whole number from 1 to ${max}`);
  return n;
}
