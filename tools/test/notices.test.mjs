// Bounded notice text (www/notices.js): every part shortened, a handful shown.

import { test } from "node:test";
import assert from "node:assert/strict";
import { shorten, errorText, visibleNotices, MAX_NOTICES } from "../../www/notices.js";

test("shorten keeps short text and cuts long text with an ellipsis", () => {
  assert.equal(shorten("abc", 5), "abc");
  assert.equal(shorten("abcdef", 5), "abcd…");
  assert.equal(shorten("abcdef", 5).length, 5);
  assert.equal(shorten(undefined, 5), "");
  assert.equal(shorten(12345678, 4), "123…");
});

test("every part of a problem is shortened: key, value and message", () => {
  const e = { param: "k".repeat(200_000), value: "v".repeat(200_000), message: "m".repeat(200_000) };
  const text = errorText(e);
  assert.ok(text.length < 400, `${text.length} characters`);
  assert.ok(text.startsWith("kkk"));
  assert.match(text, /… = “v+…”: m+…$/);
  assert.equal(errorText({ param: "lr0", value: "abc", message: "not a number" }), "lr0 = “abc”: not a number");
  assert.equal(errorText({ param: "z", value: "", message: "unknown parameter" }), "z: unknown parameter");
});

test("a million problems show a handful and count the rest", () => {
  const items = Array.from({ length: 40 }, (_, i) => ({ param: `z${i}` }));
  const { shown, hidden } = visibleNotices(items, 999_960);
  assert.equal(shown.length, MAX_NOTICES);
  assert.equal(hidden, 40 - MAX_NOTICES + 999_960);
  assert.deepEqual(visibleNotices(items.slice(0, 2)), { shown: items.slice(0, 2), hidden: 0 });
});
