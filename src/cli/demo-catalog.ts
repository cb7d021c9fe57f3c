/**
 * What `sluice demo` runs: the five example pipelines (IoT sensors, clickstream, trading, ride-hailing,
 * trending topics) over their stored streams, the streams' definitions, and for each stream the generator that
 * feeds it with its share of the demo's event rate.
 */
import {
  type Click,
  streams as clickStreams,
  clickstreamPipeline,
  siteVisitors,
} from "../../examples/clickstream-sessions.js";
import {
  iotPipeline,
  streams as iotStreams,
  type Reading,
  sensorReadings,
} from "../../examples/iot-sensors.js";
import {
  type DriverLocation,
  driverLocations,
  type RideRequest,
  rideRequests,
  streams as rideStreams,
  surgePipeline,
} from "../../examples/ride-hailing-surge.js";
import {
  marketTrades,
  type Trade,
  streams as tradeStreams,
  tradingPipeline,
} from "../../examples/trading-vwap.js";
import {
  type Post,
  streams as postStreams,
  socialPosts,
  trendingPipeline,
} from "../../examples/trending-topics.js";
import { storedStream } from "../connectors/stored-stream.js";
import type { Pipeline } from "../dataflow/pipeline.js";
import { defineStream, type StreamDefinition } from "../server/stream-definition.js";
import type { FeedSpec } from "./demo-feed.js";

/** One example as the demo runs it. */
export interface DemoExample {
  readonly title: string;
  readonly pipeline: Pipeline;
  /** The views its pipeline writes. */
  readonly views: readonly string[];
}

export interface DemoCatalog {
  readonly examples: readonly DemoExample[];
  readonly streams: readonly StreamDefinition[];
  readonly feeds: readonly FeedSpec[];
}

/** Builds fresh pipelines (a Pipeline runs once) and the feeds for them. */
export function demoCatalog(): DemoCatalog {
  // A demo left running keeps its disk use bounded: each stream keeps its last 15 minutes (the server
  // applies a stream's declared retention every minute).
  const streams = [...iotStreams, ...clickStreams, ...tradeStreams, ...rideStreams, ...postStreams].map(
    (definition) => defineStream({ ...definition, retention: { maxAge: "15m" } }),
  );
  const feed = (stream: string, share: number, make: FeedSpec["make"]): FeedSpec => {
    const definition = streams.find((s) => s.name === stream)!;
    const required = (definition.schema as { required?: string[] }).required ?? [];
    return { stream, share, make, required, timeField: definition.eventTime ?? "ts" };
  };
  return {
    examples: [
      {
        title: "IoT sensor monitoring",
        pipeline: iotPipeline("iot", storedStream<Reading>("readings")),
        views: ["device_stats", "device_alerts"],
      },
      {
        title: "Clickstream sessions and top pages",
        pipeline: clickstreamPipeline("clickstream", storedStream<Click>("clicks")),
        views: ["user_sessions", "top_pages"],
      },
      {
        title: "Trading: VWAP and price spikes",
        pipeline: tradingPipeline("trading", storedStream<Trade>("trades")),
        views: ["vwap", "price_alerts"],
      },
      {
        title: "Ride-hailing surge pricing",
        pipeline: surgePipeline(
          "ride-hailing",
          storedStream<RideRequest>("ride_requests"),
          storedStream<DriverLocation>("driver_locations"),
        ),
        views: ["surge_pricing"],
      },
      {
        title: "Trending hashtags",
        pipeline: trendingPipeline("trending", storedStream<Post>("posts")),
        views: ["trending_hashtags"],
      },
    ],
    streams,
    feeds: [
      feed("readings", 0.28, sensorReadings()),
      feed("clicks", 0.2, siteVisitors()),
      feed("trades", 0.2, marketTrades()),
      feed("ride_requests", 0.04, rideRequests()),
      feed("driver_locations", 0.2, driverLocations()),
      feed("posts", 0.08, socialPosts()),
    ],
  };
}
