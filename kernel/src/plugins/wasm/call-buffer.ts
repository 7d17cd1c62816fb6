import type { Knex } from 'knex';
import type { DocQuery, DocumentStore, StoredDoc } from './document-store.js';

/** A plugin event or activity entry written by a call, applied at commit. */
export type DeferredWrite = (tx: Knex.Transaction) => Promise<void>;

type DocState = { doc: Record<string, unknown> } | { deleted: true };

/**
 * What one WASM call wrote (D22): nothing reaches the database while the guest runs, so a call
 * never holds a connection; after the call returns successfully everything is applied in one
 * transaction, and on a timeout or trap it is dropped. Reads during the call see the call's own
 * writes first.
 */
export class CallBuffer {
  private readonly docs = new Map<string, DocState>();
  private readonly kv = new Map<string, { value: unknown } | { deleted: true }>();
  private readonly deferred: DeferredWrite[] = [];

  constructor(private readonly store: DocumentStore, readonly scope: string) {}

  get empty(): boolean {
    return this.docs.size === 0 && this.kv.size === 0 && this.deferred.length === 0;
  }

  putDoc(collection: string, stored: StoredDoc): void {
    this.docs.set(key(collection, stored.id), { doc: stored.doc });
  }

  deleteDoc(collection: string, id: string): void {
    this.docs.set(key(collection, id), { deleted: true });
  }

  async getDoc(db: Knex, collection: string, id: string): Promise<Record<string, unknown> | null> {
    const own = this.docs.get(key(collection, id));
    if (own) return 'deleted' in own ? null : own.doc;
    return this.store.get(db, this.scope, collection, id);
  }

  /** Whether the document exists, counting this call's writes (for `delete`'s answer). */
  async hasDoc(db: Knex, collection: string, id: string): Promise<boolean> {
    return (await this.getDoc(db, collection, id)) !== null;
  }

  async queryDocs(db: Knex, collection: string, query: DocQuery): Promise<StoredDoc[]> {
    const own = [...this.docs].filter(([k]) => k.startsWith(`${collection}\u0000`));
    // Fetch enough extra rows that this call's deletions and rewrites cannot starve the page.
    const fromDb = await this.store.query(db, this.scope, collection, query, own.length);
    const merged = new Map(fromDb.map((d) => [d.id, d]));
    for (const [k, state] of own) {
      const id = k.slice(collection.length + 1);
      if ('deleted' in state || !this.store.matches(collection, query, state.doc)) merged.delete(id);
      else merged.set(id, { id, doc: state.doc });
    }
    return this.store.sortAndLimit(collection, query, [...merged.values()]);
  }

  setKv(name: string, value: unknown): void {
    this.kv.set(name, { value });
  }

  deleteKv(name: string): void {
    this.kv.set(name, { deleted: true });
  }

  async getKv(db: Knex, name: string): Promise<unknown> {
    const own = this.kv.get(name);
    if (own) return 'deleted' in own ? null : own.value;
    return this.store.kvGet(db, this.scope, name);
  }

  defer(write: DeferredWrite): void {
    this.deferred.push(write);
  }

  /** Applies everything the call wrote, in one transaction (the caller opens it). */
  async commit(tx: Knex.Transaction, now: Date): Promise<void> {
    for (const [k, state] of this.docs) {
      const [collection, id] = k.split('\u0000') as [string, string];
      if ('deleted' in state) await this.store.delete(tx, this.scope, collection, id);
      else await this.store.put(tx, this.scope, collection, { id, doc: state.doc }, now);
    }
    for (const [name, state] of this.kv) {
      if ('deleted' in state) await this.store.kvDelete(tx, this.scope, name);
      else await this.store.kvSet(tx, this.scope, name, state.value, now);
    }
    for (const write of this.deferred) await write(tx);
  }
}

function key(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}
