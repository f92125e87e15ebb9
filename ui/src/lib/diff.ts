// Word-level diff of two answers (longest common subsequence), for comparing columns pairwise.

export type Piece = { kind: "same" | "left" | "right"; text: string };

export function diffWords(a: string, b: string, limit = 3000): Piece[] {
  const x = a.split(/(\s+)/).slice(0, limit);
  const y = b.split(/(\s+)/).slice(0, limit);
  const n = x.length, m = y.length;
  const dp: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  const out: Piece[] = [];
  const push = (kind: Piece["kind"], text: string) => {
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.text += text;
    else out.push({ kind, text });
  };
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { push("same", x[i]); i++; j++; }
    else if (dp[i + 1][j] >= dp[i][j + 1]) push("left", x[i++]);
    else push("right", y[j++]);
  }
  while (i < n) push("left", x[i++]);
  while (j < m) push("right", y[j++]);
  return out;
}
