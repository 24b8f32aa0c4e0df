/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import schema from "../convex/schema";

export const modules = import.meta.glob("../convex/**/*.*s");

/** `transactionLimits: true` enforces Convex's per-transaction limits (documents, bytes). */
export function newBackend(opts: { transactionLimits?: boolean } = {}) {
  return convexTest({ schema, modules, ...opts });
}
