import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["tests/**/*.test.ts"],
    setupFiles: ["tests/helpers/reset.ts"],
    // Structured logs are for production; show them only for failing tests.
    silent: "passed-only",
  },
});
