import js from "@eslint/js";
import tseslint from "typescript-eslint";
import convexPlugin from "@convex-dev/eslint-plugin";
import globals from "globals";

export default tseslint.config(
  { ignores: ["node_modules/**", "convex/_generated/**", "dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...convexPlugin.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Env vars are set with `npx convex env set` and stubbed in tests with vi.stubEnv;
      // the typed `env` declarations are too new for the offline codegen used here.
      "@convex-dev/no-process-env": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Mutations come from convex/functions.ts, whose triggers keep the funnel's counters with every call write.
    files: ["convex/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "./_generated/server", importNames: ["internalMutation", "mutation"], message: "Use internalMutation from ./functions (call triggers)." },
            { name: "../_generated/server", importNames: ["internalMutation", "mutation"], message: "Use internalMutation from ../functions (call triggers)." },
          ],
        },
      ],
    },
  },
);
