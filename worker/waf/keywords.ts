/**
 * Every substring the rules gate on (single characters and keywords), found in one pass over
 * a value: an Aho-Corasick automaton, built once per isolate and flattened into a table of
 * ASCII transitions. A long note costs one table lookup per character however many rules
 * there are, instead of one substring search per keyword per rule.
 */

const ALPHABET = 128;

export class KeywordIndex {
  readonly size: number;
  private readonly ids = new Map<string, number>();
  /** `transitions[state * 128 + code]` is the next state (16 bits: a few hundred states). */
  private readonly transitions: Uint16Array;
  /** Needle ids recognised on entering a state: `outputs[outputStart[s] .. outputStart[s + 1])`. */
  private readonly outputStart: Int32Array;
  private readonly outputs: Int32Array;

  constructor(needles: Iterable<string>) {
    const list: string[] = [];
    for (const needle of needles) {
      if (needle.length === 0 || this.ids.has(needle)) continue;
      for (let index = 0; index < needle.length; index++) {
        if (needle.charCodeAt(index) >= ALPHABET) throw new Error(`WAF gate "${needle}" is not ASCII`);
      }
      this.ids.set(needle, list.length);
      list.push(needle);
    }
    this.size = list.length;

    // The trie.
    const children: Map<number, number>[] = [new Map()];
    const ending: number[][] = [[]];
    for (const [id, needle] of list.entries()) {
      let state = 0;
      for (let index = 0; index < needle.length; index++) {
        const code = needle.charCodeAt(index);
        let next = children[state]?.get(code);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ending.push([]);
          children[state]?.set(code, next);
        }
        state = next;
      }
      ending[state]?.push(id);
    }

    // Failure links, breadth first, folded into a complete transition table.
    const states = children.length;
    if (states > 0xffff) throw new Error("WAF gate strings need more than 65,535 automaton states");
    const transitions = new Uint16Array(states * ALPHABET);
    const failure = new Int32Array(states);
    const outputsByState: number[][] = ending.map((ids) => [...ids]);
    const queue: number[] = [];
    for (let code = 0; code < ALPHABET; code++) {
      const next = children[0]?.get(code);
      if (next !== undefined) {
        transitions[code] = next;
        queue.push(next);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] as number;
      const fallback = failure[state] as number;
      outputsByState[state]?.push(...(outputsByState[fallback] ?? []));
      for (let code = 0; code < ALPHABET; code++) {
        const next = children[state]?.get(code);
        if (next !== undefined) {
          failure[next] = transitions[fallback * ALPHABET + code] as number;
          transitions[state * ALPHABET + code] = next;
          queue.push(next);
        } else {
          transitions[state * ALPHABET + code] = transitions[fallback * ALPHABET + code] as number;
        }
      }
    }
    this.transitions = transitions;
    this.outputStart = new Int32Array(states + 1);
    const flat: number[] = [];
    for (let state = 0; state < states; state++) {
      this.outputStart[state] = flat.length;
      flat.push(...new Set(outputsByState[state]));
    }
    this.outputStart[states] = flat.length;
    this.outputs = Int32Array.from(flat);
  }

  id(needle: string): number {
    const id = this.ids.get(needle);
    if (id === undefined) throw new Error(`WAF gate "${needle}" was not indexed`);
    return id;
  }

  /** Marks in `present` (indexed by needle id) every needle that occurs in `text`. */
  scan(text: string, present: Uint8Array): void {
    const transitions = this.transitions;
    const outputStart = this.outputStart;
    const outputs = this.outputs;
    let state = 0;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      // Outside ASCII no needle continues: start again (values are masked to ASCII anyway).
      state = code < ALPHABET ? (transitions[state * ALPHABET + code] as number) : 0;
      const start = outputStart[state] as number;
      const end = outputStart[state + 1] as number;
      for (let output = start; output < end; output++) present[outputs[output] as number] = 1;
    }
  }
}
