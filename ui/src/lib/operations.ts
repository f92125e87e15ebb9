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
