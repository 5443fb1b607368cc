// The JavaScript linter's rules for the page (www/) and the Node tools (tools/):
// ESLint's recommended set, with the globals each side runs with (a browser page
// and its module workers; Node for tools/). Run from the repository root by
// `make lint`: `tools/node_modules/.bin/eslint --config tools/eslint.config.mjs www tools`.
// Formatting is Prettier's (tools/prettier.config.mjs), not the linter's.

import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["**/node_modules/**", "**/pkg/**", "dist/**", "target/**", "out/**"] },
  js.configs.recommended,
  {
    files: ["www/**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.worker },
    },
  },
  {
    files: ["tools/**/*.{js,mjs}"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.node },
    },
  },
  {
    // Callbacks passed to page.evaluate() run in the browser.
    files: ["tools/e2e/**/*.mjs", "tools/bench/**/*.mjs", "tools/soak/**/*.mjs"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
];
