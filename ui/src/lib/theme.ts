// The theme the window shows (App sets `data-theme` on <html>), and a way to follow it: screens
// whose charts are drawn for a theme redraw when it changes.

export type Theme = "light" | "dark";

/** The theme shown now. */
export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
}

/** Calls `onChange` with the new theme whenever it changes; returns the unsubscribe. */
export function followTheme(onChange: (theme: Theme) => void): () => void {
  let last = currentTheme();
  const obs = new MutationObserver(() => {
    const next = currentTheme();
    if (next !== last) {
      last = next;
      onChange(next);
    }
  });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => obs.disconnect();
}
