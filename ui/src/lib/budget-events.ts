// Budget news from any screen (an alert a run raised, a run a budget blocked) reaches the
// app-wide banner through one window event.

import { IpcError } from "./ipc";
import { explain } from "./format";
import type { BudgetAlert } from "./types";

export type BudgetNews = { alerts?: BudgetAlert[]; blocked?: string };

const NAME = "promptledger:budget";

export function announceBudget(news: BudgetNews) {
  window.dispatchEvent(new CustomEvent<BudgetNews>(NAME, { detail: news }));
}

export function onBudgetNews(f: (news: BudgetNews) => void): () => void {
  const h = (e: Event) => f((e as CustomEvent<BudgetNews>).detail);
  window.addEventListener(NAME, h);
  return () => window.removeEventListener(NAME, h);
}

/** A start that was refused (a comparison, a batch job), as the screen shows it: the explained
 * message, and whether a block-mode budget refused it — then the app's banner hears of it too,
 * and the screen offers to start anyway, this once. */
export function refusal(e: unknown): { message: string; blocked: boolean } {
  if (!(e instanceof IpcError)) return { message: String(e), blocked: false };
  const blocked = e.code === "budget_exceeded";
  if (blocked) announceBudget({ blocked: e.message });
  return { message: `${explain(e.code)} ${e.message}`, blocked };
}
