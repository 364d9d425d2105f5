/**
 * The requests whose response is not over, for the endpoint to stop them all when Faro stops.
 *
 * A doubly linked list through the requests themselves rather than a Set: with a Set that gained
 * and lost an entry per request, the young-generation GC kept copying requests that were long
 * over into the old generation (JSON chat at 50 connections, --trace-gc-nvp: 1.3 MB promoted per
 * scavenge with the Set, 0.15 MB without it), where only a full GC freed them. A request taken out
 * of the list is unlinked both ways, so nothing in the list points at it or from it.
 */
export interface Linked<T> {
  prev: T | null;
  next: T | null;
}

export class InFlight<T extends Linked<T>> {
  private head: T | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(item: T): void {
    item.prev = null;
    item.next = this.head;
    if (this.head) this.head.prev = item;
    this.head = item;
    this.count++;
  }

  /** Takes `item` out; a second call for the same item does nothing. */
  delete(item: T): void {
    if (item.prev === null && this.head !== item) return;
    if (item.prev) item.prev.next = item.next;
    else this.head = item.next;
    if (item.next) item.next.prev = item.prev;
    item.prev = null;
    item.next = null;
    this.count--;
  }

  /** The items now in the list, newest first (a copy: deleting while going through it is safe). */
  list(): T[] {
    const items: T[] = [];
    for (let item = this.head; item; item = item.next) items.push(item);
    return items;
  }
}
