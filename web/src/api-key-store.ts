/** The API key the dashboard sends, kept in localStorage so it survives a reload. */

const STORAGE_KEY = "sluice.apiKey";

export class ApiKeyStore {
  /** The stored key, or null. */
  get(): string | null {
    try {
      const key = localStorage.getItem(STORAGE_KEY);
      return key === null || key === "" ? null : key;
    } catch {
      return null;
    }
  }

  set(key: string | null): void {
    try {
      if (key === null || key === "") localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, key);
    } catch {
      // Storage disabled: the key lasts as long as nothing asks again.
    }
  }
}
