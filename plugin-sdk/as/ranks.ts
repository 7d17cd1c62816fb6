/*
 * Order is kept as a fractional rank per document (an indexed number field), and shown to clients
 * as `position`, the 0-based index in that order. Inserting or moving one document writes that
 * document only: its rank is the midpoint of its new neighbours'. Two concurrent moves therefore
 * never overwrite each other's documents, which dense integer positions (shifting every later
 * sibling) would. Repeated insertions at one spot halve the gap each time; once the midpoint is
 * no longer strictly between its neighbours (about fifty halvings next to a rank of 1, more near
 * 0), and only then, the siblings are respaced to whole numbers.
 */

/** Where a document goes: its new rank, or `respace` when its neighbours have no room left between them. */
export class Placement {
  constructor(public rank: f64, public respace: bool) {}
}

/**
 * The rank for a document placed at `index` among `ranks`, its siblings' ranks in order without
 * the document itself (`index` from 0 to `ranks.length`).
 */
export function placeAt(ranks: Array<f64>, index: i32): Placement {
  const count = ranks.length;
  if (count == 0) return new Placement(0, false);
  if (index <= 0) return new Placement(ranks[0] - 1, false);
  if (index >= count) return new Placement(ranks[count - 1] + 1, false);
  const before = ranks[index - 1];
  const after = ranks[index];
  const middle = before + (after - before) / 2;
  if (before < middle && middle < after) return new Placement(middle, false);
  // Respaced, the siblings take 0, 1, … and the document `index`, with the siblings from `index` on one further.
  return new Placement(<f64>index, true);
}

/** A sibling's rank after respacing around a document placed at `index`. */
export function respacedRank(siblingIndex: i32, index: i32): f64 {
  return <f64>(siblingIndex < index ? siblingIndex : siblingIndex + 1);
}
