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
  {
    // Function modules stay thin: they import only _generated, schema, functions (the trigger-wrapped
    // mutation builder) and model/. Domain logic another module needs lives in model/, not in a function module.
    // http.ts is the router: it registers the httpAction functions themselves.
    files: ["convex/*.ts"],
    ignores: ["convex/http.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "./_generated/server", importNames: ["internalMutation", "mutation"], message: "Use internalMutation from ./functions (call triggers)." },
          ],
          patterns: [
            {
              regex: "^\\./(?!_generated/|schema$|functions$|model/)",
              message: "A function module imports only ./_generated, ./schema, ./functions and ./model: move shared logic into convex/model/.",
            },
          ],
        },
      ],
    },
  },
);
