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

/** The window's first painted frame, as the browser timed it (`first-contentful-paint`: the
 * frame index.html draws before the script runs); where paint timing is missing, the app's
 * own first frame. */
export function markFirstPaint() {
  if (!PerformanceObserver.supportedEntryTypes?.includes("paint")) {
    markPainted("painted");
    return;
  }
  const seenPaint = new PerformanceObserver((list) => {
    const fcp = list.getEntriesByName("first-contentful-paint")[0];
    if (!fcp || seen.has("painted")) return;
    seen.add("painted");
    seenPaint.disconnect();
    ipc.startupMark("painted", performance.timeOrigin + fcp.startTime).catch(() => {});
  });
  seenPaint.observe({ type: "paint", buffered: true });
}
