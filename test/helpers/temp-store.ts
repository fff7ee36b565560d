// A real libSQL store on a temp file for unit tests (openStore runs the migrations), removed on close.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/db.ts';

export interface TempStore {
  store: Store;
  dir: string;
  url: string;
  /** closes the store and removes the temp dir */
  dispose(): void;
}

export async function tempStore(): Promise<TempStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-store-'));
  const url = `file:${path.join(dir, 'podfn.db')}`;
  const store = await openStore(url);
  return {
    store,
    dir,
    url,
    dispose() {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
