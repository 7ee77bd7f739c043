/**
 * WaitForFirstConsumer static matching for one claim on one node (R5.3, R5.4), served from the
 * per-class index, plus a slow explanatory scan used only by `explain` and Events.
 */
import type { ClaimInfo } from './claims.js';
import { offersAccessModes } from './entries.js';
import { EngineError } from './errors.js';
import { formatBytes } from './quantity.js';
import { explainMismatch, selectorMatches } from './selectors.js';
import type { ChosenVolumes, NodeLike, PVClassIndex, PVEntry } from './view.js';

export type { ChosenVolumes } from './view.js';

/**
 * ChosenVolumes as a small array of the chosen entries with a count. The filter keeps one and clears it for every
 * node: clearing a Set allocates a new hash table, and so does `array.length = 0` (V8 drops the
 * backing store, and the next push allocates one), so clear() only resets the count.
 */
export class PickedVolumes implements ChosenVolumes {
  readonly #entries: PVEntry[] = [];
  #count = 0;

  get size(): number {
    return this.#count;
  }

  has(name: string): boolean {
    for (let i = 0; i < this.#count; i++) if (this.#entries[i]!.name === name) return true;
    return false;
  }

  hasEntry(pv: PVEntry): boolean {
    for (let i = 0; i < this.#count; i++) if (this.#entries[i] === pv) return true;
    return false;
  }

  add(pv: PVEntry): void {
    if (this.#count < this.#entries.length) this.#entries[this.#count] = pv;
    else this.#entries.push(pv);
    this.#count++;
  }

  clear(): void {
    this.#count = 0;
  }
}

/** R5.4: a PV whose claimRef names this claim (and, if set, its uid). */
export function isBoundToClaim(pv: PVEntry, claim: ClaimInfo): boolean {
  if (pv.claimKey !== claim.key) return false;
  return pv.claimUid === '' || pv.claimUid === (claim.pvc.metadata?.uid ?? '');
}

/** The checks R5.3 applies to every PV before node affinity (a–f, minus claimRef). */
function basicOK(pv: PVEntry, claim: ClaimInfo, chosen: ChosenVolumes, request: number): boolean {
  return (
    !chosen.has(pv.name) &&
    pv.capacity >= request &&
    pv.volumeMode === claim.volumeMode &&
    pv.volumeAttributesClass === claim.volumeAttributesClass &&
    !pv.deleting
  );
}

/**
 * Returns the PV to bind `claim` to on `node`, or undefined.
 * Pre-bound PVs win outright (even over smaller ones); a pre-bound PV whose affinity fails the
 * node means "no match at all" for this claim. Otherwise the smallest Available PV that passes
 * every check; ties go to the lexically smallest name (upstream: list order).
 *
 * Node affinity is the PV's as stored, also for in-tree PVs on nodes that migrated their plugin
 * to CSI: upstream findMatchingVolumes hands the cached PVs to FindMatchingVolume untranslated;
 * only bound claims (R4.1) and the bind check (R10.3) see the CSI translation (R3.8).
 */
export function findMatchingVolume(
  claim: ClaimInfo,
  index: PVClassIndex,
  node: NodeLike,
  chosen: ChosenVolumes,
  prebound: readonly PVEntry[] = index.preboundTo(claim.key),
): PVEntry | undefined {
  if (claim.selectorError !== undefined) throw new EngineError(claim.selectorError);
  const request = claim.request ?? 0;

  for (const pv of prebound) {
    if (!isBoundToClaim(pv, claim) || !basicOK(pv, claim, chosen, request)) continue;
    return selectorMatches(pv.affinity, node.labels) ? pv : undefined;
  }
  // Unclaimed PVs of the class whose affinity matches the node (R5.3 b, k, l), smallest first.
  return index.bestFree(claim, node, chosen);
}

/** Why one PV cannot serve `claim` on `node` (first failing check in R5.3 order), or undefined if it can. */
export function whyNot(
  pv: PVEntry,
  claim: ClaimInfo,
  node: NodeLike,
  chosen: ChosenVolumes,
): { code: string; text: string } | undefined {
  const request = claim.request ?? 0;
  if (chosen.has(pv.name)) return { code: 'chosen', text: `${pv.name} is already chosen for another claim of this pod` };
  if (pv.claimKey !== undefined && !isBoundToClaim(pv, claim)) return { code: 'claimed', text: `${pv.name} is claimed by ${pv.claimKey}` };
  if (pv.capacity < request) return { code: 'small', text: `${pv.name} has ${formatBytes(pv.capacity)} < ${formatBytes(request)} requested` };
  if (pv.volumeMode !== claim.volumeMode) return { code: 'mode', text: `${pv.name} has volumeMode ${pv.volumeMode}, claim wants ${claim.volumeMode}` };
  if (pv.volumeAttributesClass !== claim.volumeAttributesClass) {
    return { code: 'vac', text: `${pv.name} has volumeAttributesClass "${pv.volumeAttributesClass}", claim wants "${claim.volumeAttributesClass}"` };
  }
  if (pv.deleting) return { code: 'deleting', text: `${pv.name} is being deleted` };
  const affinity = pv.affinity;
  const affinityOK = selectorMatches(affinity, node.labels);
  if (pv.claimKey !== undefined) {
    return affinityOK ? undefined : { code: 'affinity', text: `PV ${pv.name} (pre-bound to this claim) ${explainMismatch(affinity, node.labels, node.name)}` };
  }
  if (pv.phase !== 'Available') return { code: 'phase', text: `${pv.name} is ${pv.phase || 'in no phase'}, not Available` };
  if (claim.selector !== undefined && !selectorMatches(claim.selector, pv.labels)) return { code: 'selector', text: `${pv.name} labels do not match the claim's selector` };
  if (pv.className !== claim.className) return { code: 'class', text: `${pv.name} has class "${pv.className}"` };
  if (!affinityOK) return { code: 'affinity', text: `PV ${pv.name} ${explainMismatch(affinity, node.labels, node.name)}` };
  if (!offersAccessModes(pv, claim)) return { code: 'access', text: `${pv.name} offers access modes [${[...pv.accessModes].join(',')}], claim wants [${claim.accessModes.join(',')}]` };
  return undefined;
}

export function describeClaim(claim: ClaimInfo): string {
  const parts = [`class ${claim.className || '""'}`];
  if (claim.request !== undefined) parts.push(formatBytes(claim.request));
  if (claim.accessModes.length > 0) parts.push(claim.accessModes.join(','));
  if (claim.volumeMode !== 'Filesystem') parts.push(claim.volumeMode);
  return `pvc ${claim.name} (${parts.join(', ')})`;
}

/**
 * Human explanation of why no PV of the claim's class serves it on `node`: first the PVs whose
 * affinity allows this node, each with the check it fails, then a count of PVs bound to other
 * topology with one example of the label that excludes them.
 */
export function explainNoMatch(
  claim: ClaimInfo,
  index: PVClassIndex,
  node: NodeLike,
  chosen: ChosenVolumes,
): string {
  const head = describeClaim(claim);
  if (index.size === 0) return `${head}: no PV of class "${claim.className}" exists`;
  const here: string[] = [];
  const elsewhere: PVEntry[] = [];
  for (const pv of index.all()) {
    const mine = pv.claimKey !== undefined && isBoundToClaim(pv, claim);
    if (!mine && !selectorMatches(pv.affinity, node.labels)) {
      elsewhere.push(pv);
      continue;
    }
    const why = whyNot(pv, claim, node, chosen);
    if (why) here.push(why.text);
  }
  const parts: string[] = [];
  if (here.length === 0) parts.push(`no PV of class "${claim.className}" is usable on node ${node.name}`);
  else {
    const shown = here.slice(0, 4).join('; ');
    parts.push(`PVs usable on node ${node.name} do not fit: ${shown}${here.length > 4 ? `; and ${here.length - 4} more` : ''}`);
  }
  if (elsewhere.length > 0) {
    const ex = elsewhere[0]!;
    parts.push(`${elsewhere.length} other PV(s) of the class are for other nodes (e.g. PV ${ex.name} ${explainMismatch(ex.affinity, node.labels, node.name)})`);
  }
  return `${head}: ${parts.join('; ')}`;
}
