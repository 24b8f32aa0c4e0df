/**
 * The embedded Convex backend (convex-test) outside vitest: scripts have no
 * import.meta.glob, so the module map convex-test needs is built from the folder.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { convexTest } from "convex-test";
import schema from "../convex/schema";

const convexDir = fileURLToPath(new URL("../convex", import.meta.url));

function moduleFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return moduleFiles(path);
    return /\.(ts|js)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

export function embeddedBackend() {
  const modules: Record<string, () => Promise<unknown>> = {};
  for (const file of moduleFiles(convexDir)) {
    modules[`../convex/${relative(convexDir, file).replace(/\\/g, "/")}`] = () => import(pathToFileURL(file).href);
  }
  return convexTest(schema, modules);
}
