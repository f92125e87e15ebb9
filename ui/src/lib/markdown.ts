// Model output as Markdown, read by a maintained parser (marked's lexer: tables, nested lists,
// links, block quotes, code) into tokens the Markdown component renders as text nodes. No HTML
// string is ever built from model output: raw HTML in an answer (`<script>`, `<img onerror>`)
// arrives as an `html` token and is shown as text. The one exception is a code block's syntax
// highlighting, whose markup highlight.js builds around the code it escapes itself.
import { Lexer, type Token, type Tokens } from "marked";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import css from "highlight.js/lib/languages/css";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

export type { Token, Tokens };

for (const [name, lang] of Object.entries({ bash, c, cpp, css, go, java, javascript, json, python, rust, sql, typescript, xml, yaml })) {
  hljs.registerLanguage(name, lang);
}
hljs.registerAliases(["sh", "shell", "zsh"], { languageName: "bash" });
hljs.registerAliases(["js", "jsx"], { languageName: "javascript" });
hljs.registerAliases(["ts", "tsx"], { languageName: "typescript" });
hljs.registerAliases(["py"], { languageName: "python" });
hljs.registerAliases(["rs"], { languageName: "rust" });
hljs.registerAliases(["html", "svg"], { languageName: "xml" });
hljs.registerAliases(["yml"], { languageName: "yaml" });

/** The answer's block tokens (GitHub-flavoured Markdown). */
export function tokens(md: string): Token[] {
  return new Lexer({ gfm: true, breaks: false }).lex(md);
}

/** An answer being streamed, lexed as it grows. Text appended to Markdown can only change its
 * last blocks (a paragraph becoming a table or a heading, a list gaining an item, a fence
 * closing), so the blocks before the last two are kept — the same token objects, which the
 * component does not render again — and only the text after them is lexed on each frame. A
 * 20,000-token answer then costs a frame what its last few blocks cost, not what all of it does.
 * Anything but an append (a new answer) starts over. */
export class StreamLexer {
  private text = "";
  private settled: Token[] = [];
  private settledLen = 0;
  private last: Token[] = [];

  update(input: string): Token[] {
    const md = input.replace(/\r\n|\r/g, "\n");
    if (md === this.text) return this.last;
    if (!md.startsWith(this.text)) {
      this.settled = [];
      this.settledLen = 0;
    }
    const all = this.settled.concat(tokens(md.slice(this.settledLen)));
    let keep = all.length;
    for (let open = 0; keep > 0 && open < 2; ) {
      keep -= 1;
      if (all[keep].type !== "space") open += 1;
    }
    // Keep the settled blocks only if they are exactly the start of the text (they always are
    // for marked's block lexer; checked so that a surprise costs speed, never correctness).
    let len = this.settledLen;
    let ok = true;
    for (let i = this.settled.length; i < keep; i++) {
      const raw = all[i].raw;
      if (md.startsWith(raw, len)) len += raw.length;
      else ok = false;
    }
    if (ok && keep >= this.settled.length) {
      this.settled = all.slice(0, keep);
      this.settledLen = len;
    }
    this.text = md;
    this.last = all;
    return all;
  }
}

// Highlighting is the costly part of rendering an answer: a code block already highlighted
// (in this answer or a previous render of it) is not highlighted again.
const highlightMemo = new Map<string, string | null>();

/** Highlighted markup for `code` in `lang` (escaped by highlight.js), or null when the
 * language is unknown: the component then shows plain text. */
export function highlighted(code: string, lang: string): string | null {
  const l = lang.trim().toLowerCase();
  if (!l || !hljs.getLanguage(l)) return null;
  const key = `${l}\u0000${code}`;
  const known = highlightMemo.get(key);
  if (known !== undefined) return known;
  let out: string | null;
  try {
    out = hljs.highlight(code, { language: l, ignoreIllegals: true }).value;
  } catch {
    out = null;
  }
  if (highlightMemo.size >= 256) {
    const oldest = highlightMemo.keys().next();
    if (!oldest.done) highlightMemo.delete(oldest.value);
  }
  highlightMemo.set(key, out);
  return out;
}

/** Only web and mail links leave the app (in the system browser). */
export function safeHref(href: string): string | null {
  try {
    const u = new URL(href);
    return ["http:", "https:", "mailto:"].includes(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

/** The plain text of tokens (a copy "as text"). */
export function plain(ts: Token[]): string {
  return ts
    .map((t) => {
      const any = t as Tokens.Generic;
      if (t.type === "code") return (t as Tokens.Code).text + "\n";
      if (any.tokens?.length) return plain(any.tokens as Token[]) + (t.type === "paragraph" || t.type === "heading" ? "\n" : "");
      if (t.type === "list") return (t as Tokens.List).items.map((i) => "- " + plain(i.tokens)).join("") ;
      if (t.type === "space") return "\n";
      return "text" in any ? String(any.text) : "";
    })
    .join("");
}
