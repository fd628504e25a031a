import type { ResultStore } from '../../functions/core/result-store';

/** The result store in memory, as S3 keeps objects: JSON text by key; links are fake but name the key. */
export class MemoryResultStore implements ResultStore {
  readonly objects = new Map<string, string>();
  async put(key: string, json: string) {
    this.objects.set(key, json);
  }
  async get(key: string) {
    return this.objects.get(key);
  }
  async link(key: string) {
    return { url: `https://files.example/${key}?signed`, expiresInSeconds: 3600 };
  }
}
