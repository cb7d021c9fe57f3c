/** The trading example over a fixed collection: VWAP per symbol per 5 s and price-spike alerts, by hand. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Trade, tradingPipeline } from "../../examples/trading-vwap.js";
import { fromCollection } from "../../src/connectors/collection-source.js";
import { MemoryViewStore } from "../../src/sinks/view-writer.js";
import { runToCompletion } from "../../src/testing/index.js";

const BASE = Date.UTC(2026, 10, 1);
const trade = (symbol: string, price: number, qty: number, ms: number): Trade => ({
  symbol,
  price,
  qty,
  ts: BASE + ms,
});

describe("example: trading VWAP and price spikes", () => {
  it("computes sum(price × qty) / sum(qty) per 5 s and alerts on a move over 2% from the previous window", async () => {
    const trades = [
      trade("ACME", 100, 10, 1000),
      trade("GLOBX", 50, 100, 1500),
      trade("ACME", 102, 30, 2000),
      trade("ACME", 104.5, 20, 7000),
      trade("ACME", 104, 20, 6000), // out of order, within the 3 s bound
      trade("GLOBX", 50.5, 100, 8000),
      trade("ACME", 104.3, 10, 11_000),
    ];
    const views = new MemoryViewStore();
    await runToCompletion(tradingPipeline("trading", fromCollection(trades, { batchSize: 2 })), { views });

    const vwap = views.rows("vwap");
    const bar = (symbol: string, s: number) =>
      vwap.get(`${symbol}|${BASE + s * 1000}`) as Record<string, number>;
    // ACME [0, 5 s): (100 × 10 + 102 × 30) / 40 = 101.5; [5 s, 10 s): (104 × 20 + 104.5 × 20) / 40 = 104.25.
    assert.deepEqual(
      [
        bar("ACME", 0).vwap,
        bar("ACME", 0).volume,
        bar("ACME", 0).trades,
        bar("ACME", 0).high,
        bar("ACME", 0).low,
      ],
      [101.5, 40, 2, 102, 100],
    );
    assert.equal(bar("ACME", 5).vwap, 104.25);
    assert.equal(bar("ACME", 10).vwap, 104.3);
    assert.equal(bar("GLOBX", 0).vwap, 50);
    assert.equal(bar("GLOBX", 5).vwap, 50.5);
    assert.equal(vwap.size, 5);

    // 101.5 → 104.25 is +2.71%; 104.25 → 104.3 and GLOBX's +1% are under the threshold.
    const alerts = [...views.rows("price_alerts").values()];
    assert.deepEqual(alerts, [
      {
        symbol: "ACME",
        windowStart: BASE + 5000,
        windowEnd: BASE + 10_000,
        vwap: 104.25,
        previousVwap: 101.5,
        changePct: 2.71,
      },
    ]);
  });
});
