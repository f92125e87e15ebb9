// A small Markdown reader for model output: fenced code blocks, headings, lists, paragraphs,
// and inline code / bold / italics. It produces plain data that components render as text —
// no HTML is ever built from model output, so nothing in an answer can run in the window.

export type Inline = { kind: "text" | "code" | "bold" | "italic"; text: string };
export type Block =
  | { kind: "code"; lang: string; text: string }
  | { kind: "heading"; level: number; inline: Inline[] }
  | { kind: "list"; ordered: boolean; items: Inline[][] }
  | { kind: "paragraph"; inline: Inline[] };

export function inline(text: string): Inline[] {
  const out: Inline[] = [];
  const re = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\n]+\*)|(_[^_\n]+_)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: "text", text: text.slice(last, at) });
    const t = m[0];
    if (m[1]) out.push({ kind: "code", text: t.slice(1, -1) });
    else if (m[2]) out.push({ kind: "bold", text: t.slice(2, -2) });
    else out.push({ kind: "italic", text: t.slice(1, -1) });
    last = at + t.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

export function parse(md: string): Block[] {
  const lines = md.replace(/\r\n/g, "\n").split("\n");
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; items: Inline[][] } | null = null;
  const flush = () => {
    if (para.length) blocks.push({ kind: "paragraph", inline: inline(para.join("\n")) });
    para = [];
    if (list) blocks.push({ kind: "list", ...list });
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = line.match(/^\s*```\s*([\w+-]*)\s*$/);
    if (fence) {
      flush();
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) body.push(lines[i++]);
      blocks.push({ kind: "code", lang: fence[1] ?? "", text: body.join("\n") });
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      flush();
      blocks.push({ kind: "heading", level: heading[1].length, inline: inline(heading[2]) });
      continue;
    }
    const item = line.match(/^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/);
    if (item) {
      if (para.length) {
        blocks.push({ kind: "paragraph", inline: inline(para.join("\n")) });
        para = [];
      }
      const ordered = item[2] !== undefined;
      if (!list || list.ordered !== ordered) {
        if (list) blocks.push({ kind: "list", ...list });
        list = { ordered, items: [] };
      }
      list.items.push(inline(item[3]));
      continue;
    }
    if (line.trim() === "") {
      flush();
      continue;
    }
    if (list) {
      blocks.push({ kind: "list", ...list });
      list = null;
    }
    para.push(line);
  }
  flush();
  return blocks;
}
