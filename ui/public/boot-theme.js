// Runs before the first frame: applies the theme the app last showed (App.svelte remembers it
// here), so a dark window does not flash light while the settings arrive over IPC.
try {
  const theme = localStorage.getItem("promptledger.theme") || "system";
  const dark = theme === "dark" || (theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
} catch {
  // No storage: the app applies the theme once its settings arrive.
}
