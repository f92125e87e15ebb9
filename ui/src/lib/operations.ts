// The operations a run can be (the core's `Operation`), with the names the screens show.
import type { Operation } from "./bindings";

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
