// Budget news from any screen (an alert a run raised, a run a budget blocked) reaches the
// app-wide banner through one window event.

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
