import assert from "node:assert/strict";
import { test } from "node:test";
import { CounterRates } from "./counter-rates.js";

test("a rate is the growth per second since the oldest sample of the window", () => {
  const rates = new CounterRates(5000);
  assert.equal(rates.rate("n", 0, 0), 0, "no earlier sample yet");
  for (let t = 1000; t <= 10_000; t += 1000) rates.sample("n", t / 10, t); // 100 per second
  assert.equal(rates.rate("n", 1000, 10_000), 100);
  // A burst of 500 in the last second shows, averaged over the 5 s since the sample at 6,000 (value 600).
  assert.equal(rates.rate("n", 1500, 11_000), 180);
  assert.equal(rates.rate("other", 7, 11_000), 0);
});
