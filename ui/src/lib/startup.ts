// Start-up milestones, timed by scripts/measure-startup.sh: each is reported once, after the
// browser has painted the frame that shows it (a task queued from requestAnimationFrame runs
// after that frame's paint).
import { ipc } from "./ipc";

const seen = new Set<string>();

export function markPainted(name: "painted" | "usable" | "analytics") {
  if (seen.has(name)) return;
  seen.add(name);
  requestAnimationFrame(() => setTimeout(() => ipc.startupMark(name).catch(() => {}), 0));
}
