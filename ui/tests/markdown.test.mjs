// The streaming Markdown lexer must give exactly what lexing the whole text gives, at every
// point of a stream (it only re-lexes the tail), and stay cheap as the answer grows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { StreamLexer, highlighted, tokens } from "../.test-build/lib/markdown.js";

const PARTS = [
  "# Title\n\nSome *intro* text with a [link](https://example.com).\n\n",
  "| a | b |\n|---|:-:|\n| 1 | 2 |\n| 3 | 4 |\n\n",
  "- one\n  - nested\n    - deeper\n- two\n\n",
  "> quote\n> more\n\n",
  "```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n",
  "Setext\n---\n\n1. a\n2. b\n\n   para in item\n3. c\n\n",
  "text <script>alert(1)</script>\n\n    indented code\n\nend\r\nwith crlf\r\n",
];
const doc = Array.from({ length: 35 }, (_, i) => PARTS[i % PARTS.length]).join("");
const same = (t) => JSON.stringify(t, (k, v) => (k === "links" ? undefined : v));

// A small deterministic generator, so a failure can be replayed.
function steps(seed) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return 1 + (x % 37);
  };
}

test("every prefix of a stream lexes as the whole text would", () => {
  for (let seed = 1; seed <= 12; seed++) {
    const lexer = new StreamLexer();
    const next = steps(seed);
    for (let at = 0; at < doc.length; ) {
      at = Math.min(doc.length, at + next());
      const want = tokens(doc.slice(0, at).replace(/\r\n|\r/g, "\n"));
      assert.equal(same(lexer.update(doc.slice(0, at))), same(want), `seed ${seed}, at ${at}`);
    }
  }
});

test("settled blocks are the same objects from one update to the next", () => {
  const lexer = new StreamLexer();
  const a = lexer.update(doc.slice(0, 2000));
  const b = lexer.update(doc.slice(0, 2010));
  assert.ok(a.length > 4);
  for (let i = 0; i < a.length - 3; i++) assert.equal(a[i], b[i], `block ${i}`);
});

test("a text that is not an append starts over", () => {
  const lexer = new StreamLexer();
  lexer.update("# One\n\nfirst answer\n\n- a\n- b\n\nend");
  assert.equal(same(lexer.update("Other *answer*")), same(tokens("Other *answer*")));
});

test("highlighting is escaped and remembered", () => {
  const code = 'let s = "<img src=x onerror=alert(1)>";';
  const out = highlighted(code, "js");
  assert.ok(out && out.includes("&lt;img") && !out.includes("<img"), out);
  assert.equal(highlighted(code, "js"), out);
  assert.equal(highlighted(code, "no-such-language"), null);
});
