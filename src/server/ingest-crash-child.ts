/**
 * A child process for the kill -9 test of ingestion (ingest-durability.test.ts): serves the "readings"
 * stream over a store in DIR on a free loopback port and prints its url on stdout, then runs until killed.
 *
 * Usage: `node ingest-crash-child.js DIR`
 */
import { writeSync } from "node:fs";
import { EmbeddedStore } from "../store/index.js";
import { createServer } from "./server.js";
import { readingsStream } from "./server-fixture.js";

const [dir] = process.argv.slice(2);
if (dir === undefined) throw new Error("usage: ingest-crash-child DIR");
const server = createServer({ store: new EmbeddedStore(dir), streams: [readingsStream()] });
const { url } = await server.listen();
writeSync(1, `${url}\n`);
