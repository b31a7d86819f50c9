/**
 * `npm run waf:eval`: the WAF against its labelled corpus (test/fixtures/waf/). Prints the
 * detection rate per category and per position (query, JSON, form, headers), the false
 * positives on legitimate traffic, and the CPU time of one request's whole evaluation
 * (normalisation, every rule, the verdict), measured request by request in Node. Exits
 * non-zero when a goal is missed: >= 97 % of attacks blocked in every position, no false
 * positives, p50 <= 50 µs, p99 <= 250 µs.
 *
 * With `WAF_OUTSIDE_CORPUS=dir[:dir]` (a PayloadsAllTheThings checkout, wfuzz's word lists:
 * see test/fixtures/waf/outside.ts) it also measures public payload lists the rules were not
 * written from, and prints what it left out and why. That table is reported, not a goal:
 * public lists carry probes and fragments that no rule should block on its own.
 *
 * Timing: every request is evaluated alone, once per pass, in a different shuffled order each
 * pass (so no request runs hot in a loop); its cost is the median of its passes, which drops
 * the moments another process had the core. The percentiles are over requests. The raw
 * samples, scheduler noise included, are printed too.
 */

import {
  DEFAULT_LIMITS,
  DEFAULT_POLICY,
  decide,
  indexExclusions,
  inspect,
  WAF_CATEGORIES,
  type WafInput,
  type WafVerdict,
} from "../../worker/waf/index.ts";
import { type CorpusRequest, POSITIONS, toWafInput, wafCorpus } from "../fixtures/waf/corpus.ts";
import { outsideCorpus, outsideRoots } from "../fixtures/waf/outside.ts";

const GOALS = { detection: 0.97, falsePositives: 0, p50Micros: 50, p99Micros: 250 };
const TIMING_PASSES = 7;
const WARMUP_PASSES = 3;

interface Prepared {
  request: CorpusRequest;
  input: WafInput;
  exclusions: ReturnType<typeof indexExclusions>;
}

function prepare(request: CorpusRequest): Prepared {
  return { request, input: toWafInput(request), exclusions: indexExclusions(request.exclusions) };
}

/** What the middleware does per request once the body is read: inspect, then decide. */
function evaluate({ request, input, exclusions }: Prepared): WafVerdict {
  const policy = DEFAULT_POLICY[request.routeClass];
  const findings = inspect(input, { limits: DEFAULT_LIMITS, exclusions, stopAtScore: policy.threshold });
  return decide(findings, request.routeClass, policy);
}

function percentile(sorted: number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function shuffled<T>(items: T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let index = copy.length - 1; index > 0; index--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const other = state % (index + 1);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

function pad(value: string | number, width: number) {
  return String(value).padStart(width);
}

const { attacks, legitimate } = wafCorpus();
const preparedAttacks = attacks.map(prepare);
const preparedLegitimate = legitimate.map(prepare);
const everything = [...preparedAttacks, ...preparedLegitimate];

// Verdicts.
const perCategory = new Map(
  WAF_CATEGORIES.map((category) => [category, { total: 0, blocked: 0, missed: [] as string[] }]),
);
for (const prepared of preparedAttacks) {
  const row = perCategory.get(prepared.request.category ?? "protocol");
  if (!row) continue;
  row.total++;
  if (evaluate(prepared).action === "block") row.blocked++;
  else row.missed.push(`${prepared.request.id} ${prepared.request.note.slice(0, 90)}`);
}
const falsePositives: string[] = [];
for (const prepared of preparedLegitimate) {
  const verdict = evaluate(prepared);
  if (verdict.action === "block") {
    falsePositives.push(
      `${prepared.request.id} ${prepared.request.note} [${verdict.matches.map((match) => `${match.ruleId}@${match.location}`).join(", ")}]`,
    );
  }
}

// CPU per request: every request timed on its own, in shuffled order, over several passes.
for (let pass = 0; pass < WARMUP_PASSES; pass++) for (const prepared of everything) evaluate(prepared);
const perRequest = new Map<Prepared, number[]>(everything.map((prepared) => [prepared, []]));
const rawSamples: number[] = [];
for (let pass = 0; pass < TIMING_PASSES; pass++) {
  for (const prepared of shuffled(everything, pass + 1)) {
    const started = process.hrtime.bigint();
    evaluate(prepared);
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    perRequest.get(prepared)?.push(micros);
    rawSamples.push(micros);
  }
}
const samples: { all: number[]; attacks: number[]; legitimate: number[] } = {
  all: [],
  attacks: [],
  legitimate: [],
};
for (const [prepared, times] of perRequest) {
  times.sort((a, b) => a - b);
  const median = percentile(times, 0.5);
  samples.all.push(median);
  (prepared.request.label === "attack" ? samples.attacks : samples.legitimate).push(median);
}
for (const list of [...Object.values(samples), rawSamples]) list.sort((a, b) => a - b);

// Report.
console.log("WAF evaluation (test/fixtures/waf, default policy: block at score 5)\n");
console.log("Detection by category");
console.log(`  ${"category".padEnd(10)} ${pad("attacks", 8)} ${pad("blocked", 8)} ${pad("rate", 8)}`);
let attackTotal = 0;
let attackBlocked = 0;
for (const [category, row] of perCategory) {
  attackTotal += row.total;
  attackBlocked += row.blocked;
  const rate = row.total === 0 ? "-" : `${((100 * row.blocked) / row.total).toFixed(1)} %`;
  console.log(`  ${category.padEnd(10)} ${pad(row.total, 8)} ${pad(row.blocked, 8)} ${pad(rate, 8)}`);
}
const detection = attackBlocked / attackTotal;
console.log(
  `  ${"all".padEnd(10)} ${pad(attackTotal, 8)} ${pad(attackBlocked, 8)} ${pad(`${(100 * detection).toFixed(1)} %`, 8)}`,
);
const missed = [...perCategory.values()].flatMap((row) => row.missed);
if (missed.length > 0) {
  console.log("\n  not blocked:");
  for (const line of missed.slice(0, 60)) console.log(`    ${line}`);
  if (missed.length > 60) console.log(`    ... and ${missed.length - 60} more`);
}

/** Detection per category (rows) and position (columns), for the requests placed by position. */
function positionTable(title: string, requests: CorpusRequest[]): Map<string, number> {
  const cells = new Map<string, { total: number; blocked: number }>();
  for (const request of requests) {
    if (!request.position) continue;
    const blocked = evaluate(prepare(request)).action === "block";
    for (const key of [`${request.category}|${request.position}`, `all|${request.position}`]) {
      const cell = cells.get(key) ?? { total: 0, blocked: 0 };
      cell.total++;
      if (blocked) cell.blocked++;
      cells.set(key, cell);
    }
  }
  const rates = new Map<string, number>();
  console.log(`\n${title}`);
  console.log(`  ${"category".padEnd(10)} ${POSITIONS.map((position) => pad(position, 19)).join("")}`);
  const categories = [...new Set(requests.map((request) => request.category ?? "protocol"))].sort();
  for (const category of [...categories, "all"]) {
    const row = POSITIONS.map((position) => {
      const cell = cells.get(`${category}|${position}`);
      if (!cell) return pad("-", 19);
      const rate = cell.blocked / cell.total;
      rates.set(`${category}|${position}`, rate);
      return pad(`${cell.blocked}/${cell.total} ${(100 * rate).toFixed(1)}%`, 19);
    });
    if (row.every((cell) => cell.trim() === "-")) continue;
    console.log(`  ${category.padEnd(10)} ${row.join("")}`);
  }
  return rates;
}

const positionRates = positionTable(
  "Detection by position (generated attacks, each in every position)",
  attacks.filter((request) => request.position !== undefined),
);
const lowestPositionRate = Math.min(
  ...POSITIONS.map((position) => positionRates.get(`all|${position}`) ?? 1),
);

const outside = outsideRoots().length > 0 ? outsideCorpus() : undefined;
if (outside) {
  positionTable(
    `Outside corpus: public payload lists the rules were not written from (${outside.roots.join(", ")})`,
    outside.requests,
  );
  console.log("  left out (not attacks on their own, or not one payload per line):");
  for (const [reason, count] of outside.excluded) console.log(`    ${pad(count, 6)}  ${reason}`);
} else {
  console.log("\nOutside corpus: not measured (set WAF_OUTSIDE_CORPUS, see test/fixtures/waf/outside.ts).");
}

const falsePositiveRate = falsePositives.length / legitimate.length;
console.log("\nFalse positives on legitimate traffic");
console.log(
  `  ${legitimate.length} requests, ${falsePositives.length} blocked (${(100 * falsePositiveRate).toFixed(2)} %)`,
);
for (const line of falsePositives) console.log(`    ${line}`);

console.log(
  `\nCPU per request, whole evaluation (µs; median of ${TIMING_PASSES} passes per request, percentiles over requests)`,
);
console.log(`  ${"".padEnd(12)} ${pad("p50", 8)} ${pad("p90", 8)} ${pad("p99", 8)} ${pad("max", 9)}`);
for (const [name, list] of Object.entries(samples)) {
  console.log(
    `  ${name.padEnd(12)} ${pad(percentile(list, 0.5).toFixed(1), 8)} ${pad(percentile(list, 0.9).toFixed(1), 8)} ${pad(percentile(list, 0.99).toFixed(1), 8)} ${pad((list.at(-1) ?? 0).toFixed(1), 9)}`,
  );
}
console.log(
  `  ${"raw samples".padEnd(12)} ${pad(percentile(rawSamples, 0.5).toFixed(1), 8)} ${pad(percentile(rawSamples, 0.9).toFixed(1), 8)} ${pad(percentile(rawSamples, 0.99).toFixed(1), 8)} ${pad((rawSamples.at(-1) ?? 0).toFixed(1), 9)}  (every evaluation, scheduler noise included)`,
);

const p50 = percentile(samples.all, 0.5);
const p99 = percentile(samples.all, 0.99);
const failures = [
  detection < GOALS.detection ? `detection ${(100 * detection).toFixed(1)} % < 97 %` : null,
  lowestPositionRate < GOALS.detection
    ? `detection in one position ${(100 * lowestPositionRate).toFixed(1)} % < 97 %`
    : null,
  falsePositives.length > GOALS.falsePositives ? `${falsePositives.length} false positives` : null,
  p50 > GOALS.p50Micros ? `p50 ${p50.toFixed(1)} µs > 50 µs` : null,
  p99 > GOALS.p99Micros ? `p99 ${p99.toFixed(1)} µs > 250 µs` : null,
].filter((failure) => failure !== null);
console.log(
  failures.length === 0
    ? "\nGoals met: >= 97 % blocked in every position, 0 false positives, p50 <= 50 µs, p99 <= 250 µs."
    : `\nGoals missed: ${failures.join("; ")}.`,
);
process.exitCode = failures.length === 0 ? 0 : 1;
