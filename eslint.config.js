// ESLint (flat config) for the site's own scripts in static/js and the editors' scripts in
// static/admin/js: recommended rules, browser globals.
import js from "@eslint/js";
import globals from "globals";

export default [
  // plotly.js is vendored and minified; collected static files are copies of ours.
  { ignores: ["static/vendor/**", "staticfiles/**", ".cache/**", ".venv/**", "test-artifacts/**"] },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      // plotly.js is a classic script that runs before ours and defines this one global.
      globals: { ...globals.browser, Plotly: "readonly" },
    },
    rules: { eqeqeq: ["error", "always"] },
  },
  {
    // A classic (non-module) script, loaded with `defer` on every page.
    files: ["static/js/local-time.js"],
    languageOptions: { sourceType: "script" },
  },
  {
    // Classic scripts the Wagtail admin loads (hooks in talks/editor_hooks.py).
    files: ["static/admin/js/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "script", globals: { ...globals.browser } },
    rules: { eqeqeq: ["error", "always"] },
  },
];
