import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METRICS } from "../../worker/services/metrics/definitions.ts";

const runbook = readFileSync(new URL("../../RUNBOOK.md", import.meta.url), "utf8");
const rules =
  /<!-- alert-rules:start -->\s*```yaml\n([\s\S]*?)```\s*<!-- alert-rules:end -->/.exec(runbook)?.[1] ?? "";

describe("RUNBOOK alert rules", () => {
  it("are valid Prometheus rules (promtool check rules)", () => {
    expect(rules).toContain("groups:");
    const directory = mkdtempSync(join(tmpdir(), "coinhubx-rules-"));
    try {
      const file = join(directory, "rules.yml");
      writeFileSync(file, rules);
      const check = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
      if (check.error)
        throw new Error(`promtool is required (apt-get install prometheus): ${check.error.message}`);
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("only use metrics the platform exports, and every alert has a section", () => {
    // A histogram is used through its _bucket, _sum and _count series.
    const used = new Set(
      (rules.match(/chx_[a-z_]+/g) ?? []).map((name) => name.replace(/_(bucket|sum|count)$/, "")),
    );
    for (const name of used) expect(Object.keys(METRICS), name).toContain(name);
    for (const alert of rules.match(/alert: (\w+)/g) ?? []) {
      const name = alert.replace("alert: ", "");
      expect(runbook, `RUNBOOK section for ${name}`).toMatch(new RegExp(`### [^\\n]*${name}`));
    }
  });
});
