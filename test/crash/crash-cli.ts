/**
 * `npm run test:crash -- [--kills 50] [--records 20000] [--seed 1]`: the crash test, as long as you like.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runCrashScenario } from "./crash-harness.js";

const { values } = parseArgs({
  options: {
    kills: { type: "string", default: "50" },
    records: { type: "string", default: "20000" },
    seed: { type: "string", default: String(Date.now() % 100_000) },
  },
});
const dir = mkdtempSync(join(tmpdir(), "sluice-crash-"));
const started = Date.now();
try {
  const outcome = await runCrashScenario({
    dir,
    records: Number(values.records),
    kills: Number(values.kills),
    seed: Number(values.seed),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    `crash test passed: ${outcome.kills} kills, ${outcome.starts} starts, ${outcome.viewRows} view rows and ` +
      `${outcome.deadLetters} dead letters equal to the reference (seed ${values.seed}, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
} catch (error) {
  process.stderr.write(
    `crash test FAILED (seed ${values.seed}, data kept in ${dir}): ${(error as Error).stack}\n`,
  );
  process.exitCode = 1;
} finally {
  if (process.exitCode !== 1) rmSync(dir, { recursive: true, force: true });
}
