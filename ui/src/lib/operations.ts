// The operations a run can be (the core's `Operation`), with the names the screens show.
import type { Operation } from "./bindings";
import { rate, usd } from "./format";

export const OPERATIONS: { id: Operation; name: string }[] = [
  { id: "chat", name: "Chat" },
  { id: "embedding", name: "Embeddings" },
  { id: "image", name: "Images" },
  { id: "transcription", name: "Transcription" },
  { id: "speech", name: "Speech" },
];

export function operationName(id: string): string {
  return OPERATIONS.find((o) => o.id === id)?.name ?? id;
}

/** The model a fresh switch to `op` suggests on `provider` (none: keep the current one). */
export function defaultModel(op: Operation, provider: string): string | null {
  const table: Record<string, Partial<Record<Operation, string>>> = {
    openai: { embedding: "text-embedding-3-small", image: "gpt-image-1", transcription: "whisper-1", speech: "tts-1" },
    gemini: { embedding: "gemini-embedding-001" },
    ollama: { embedding: "nomic-embed-text" },
  };
  return table[provider]?.[op] ?? null;
}

/** Plural name of a billed unit, for bills: "images", "seconds". */
export function unitName(unit: string): string {
  return (
    { image: "images", pixel: "pixels", second: "seconds", character: "characters", image_token: "input image tokens", audio_token: "input audio tokens" } as Record<string, string>
  )[unit] ?? unit;
}

const SINGULAR: Record<string, string> = { image: "image", pixel: "pixel", second: "second", character: "character", image_token: "token", audio_token: "token" };

/** A unit's rate (nano-USD per 1M units): per unit when it is whole nano-USD ("$0.011/image",
 *  "$0.0001/second"), else per 1M ("$10.490417/1M" pixels). */
export function unitRate(nanoPerM: number, unit: string): string {
  return nanoPerM % 1_000_000 === 0 ? `${usd(nanoPerM / 1_000_000)}/${SINGULAR[unit] ?? unit}` : `${rate(nanoPerM)}/1M`;
}
