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

/** Highlighted markup for `code` in `lang` (escaped by highlight.js), or null when the
 * language is unknown: the component then shows plain text. */
export function highlighted(code: string, lang: string): string | null {
  const l = lang.trim().toLowerCase();
  if (!l || !hljs.getLanguage(l)) return null;
  try {
    return hljs.highlight(code, { language: l, ignoreIllegals: true }).value;
  } catch {
    return null;
  }
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
