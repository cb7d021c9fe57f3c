/**
 * Trading analytics: the volume-weighted average price (VWAP) of each symbol per 5 s, and price-spike alerts
 * when a symbol's VWAP moves more than 2% from its previous 5 s window, over the stored stream "trades".
 * Run it with:
 *
 *   sluice run examples/trading-vwap.ts --data ./data
 *   curl -XPOST localhost:8080/v1/streams/trades/events -H 'content-type: application/x-ndjson' \
 *     --data-binary $'{"symbol":"ACME","price":101.5,"qty":200,"ts":1764115200000}\n'
 *   curl 'localhost:8080/v1/views/vwap?order=updated&limit=10'
 *   curl localhost:8080/v1/views/price_alerts
 */
import {
  count,
  defineStream,
  max,
  min,
  Pipeline,
  type SeededRandom,
  type Source,
  storedStream,
  sum,
  tumbling,
  view,
} from "sluice";

export interface Trade {
  symbol: string;
  price: number;
  qty: number;
  ts: number;
}

/** One symbol's 5 s bar. */
export interface VwapBar {
  symbol: string;
  windowStart: number;
  windowEnd: number;
  vwap: number;
  volume: number;
  trades: number;
  high: number;
  low: number;
}

/** A VWAP that moved more than the threshold from the symbol's previous bar. */
export interface PriceAlert {
  symbol: string;
  windowStart: number;
  windowEnd: number;
  vwap: number;
  previousVwap: number;
  /** (vwap − previousVwap) / previousVwap, in percent. */
  changePct: number;
}

/** The pipeline over any source of trades (the stored stream by default); `spikePct` is the alert threshold. */
export function tradingPipeline(name: string, trades: Source<Trade>, spikePct = 2): Pipeline {
  const p = new Pipeline(name);
  const bars = p
    .source("trades", trades)
    .withEventTime((t) => t.ts, { maxOutOfOrderness: "3s", idleTimeout: "30s" })
    .keyBy((t) => t.symbol)
    .window(tumbling("5s"), { id: "vwap-5s" })
    .aggregate({
      notional: sum((t: Trade) => t.price * t.qty),
      volume: sum((t: Trade) => t.qty),
      trades: count(),
      high: max((t: Trade) => t.price),
      low: min((t: Trade) => t.price),
    })
    .map(
      (w): VwapBar => ({
        symbol: w.key,
        windowStart: w.windowStart,
        windowEnd: w.windowEnd,
        vwap: w.volume > 0 ? round(w.notional / w.volume, 4) : Number.NaN,
        volume: w.volume,
        trades: w.trades,
        high: w.high ?? Number.NaN,
        low: w.low ?? Number.NaN,
      }),
    );
  bars.to(view("vwap", { key: (b) => `${b.symbol}|${b.windowStart}` }));
  bars
    .keyBy((b) => b.symbol)
    .process<PriceAlert>(
      {
        // Bars of one symbol arrive in window order (each once, when its window closes).
        onRecord(bar, ctx) {
          const previous = ctx.value<number>("vwap");
          const before = previous.get();
          previous.set(bar.vwap);
          if (before === undefined) return;
          const changePct = ((bar.vwap - before) / before) * 100;
          if (Math.abs(changePct) > spikePct) {
            ctx.emit({
              symbol: bar.symbol,
              windowStart: bar.windowStart,
              windowEnd: bar.windowEnd,
              vwap: bar.vwap,
              previousVwap: before,
              changePct: round(changePct, 2),
            });
          }
        },
      },
      { id: "price-spikes" },
    )
    .to(view("price_alerts", { key: (a) => `${a.symbol}|${a.windowStart}` }));
  return p;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The stream clients POST trades to; records are validated (and cleansed) before they reach the log. */
export const streams = [
  defineStream({
    name: "trades",
    schema: {
      type: "object",
      required: ["symbol", "price", "qty", "ts"],
      properties: {
        symbol: { type: "string", pattern: "^[A-Z]{1,6}$" },
        price: { type: "number", exclusiveMinimum: 0 },
        qty: { type: "integer", minimum: 1 },
        ts: { type: "integer" },
      },
    },
    key: "symbol",
    eventTime: "ts",
    cleanse: { trim: true, coerceNumbers: true, dropUnknown: true },
  }),
];

const SYMBOLS = [
  ["ACME", 101],
  ["GLOBX", 54],
  ["INITK", 230],
  ["UMBR", 18],
  ["WAYNE", 412],
  ["STARK", 297],
  ["TYRL", 76],
  ["OSCP", 12],
] as const;

/**
 * Simulated trades for demos and load tests: each symbol's price follows a random walk with rare jumps of
 * 3–6% (about one per symbol every 50 s at 100 trades/s), quantities in round lots.
 * Use with `generatorSource({ ratePerSecond: 200, make: marketTrades() })`.
 */
export function marketTrades(): (index: number, random: SeededRandom, now: number) => Trade {
  const prices: number[] = SYMBOLS.map(([, p]) => p);
  return (_index, random, now) => {
    const s = random.int(SYMBOLS.length);
    // A random walk pulled gently back towards the opening price.
    let price = prices[s]! * (1 + random.gaussian(0, 0.0004)) + (SYMBOLS[s]![1] - prices[s]!) * 0.0005;
    if (random.next() < 1 / 600) price *= 1 + (random.next() < 0.5 ? -1 : 1) * (0.03 + random.next() * 0.03);
    prices[s] = price;
    return {
      symbol: SYMBOLS[s]![0],
      price: Math.round(price * 100) / 100,
      qty: (1 + random.int(20)) * (random.next() < 0.1 ? 100 : 10),
      ts: now,
    };
  };
}

export default tradingPipeline("trading", storedStream<Trade>("trades"));
