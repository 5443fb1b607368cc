// The formatter's settings for www/ and tools/ (`make lint` checks them; fix with
// `tools/node_modules/.bin/prettier --config tools/prettier.config.mjs --write "www/**/*.js" "tools/**/*.mjs"`).
// A 120-column line, as the code was written before the formatter arrived.

export default {
  printWidth: 120,
};
