/**
 * The throwaway certificate of test/fixtures/tls (self-signed for localhost and 127.0.0.1) for the HTTPS tests:
 * its files, the command-line options that serve it, and a request that trusts only it, e.g.
 * `startSluice(["run", file, ...TLS_OPTIONS])`, then `await httpsRequest(`${url}/healthz`)`.
 */
import { readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/tls/", import.meta.url));
export const CERT_FILE = join(FIXTURES, "localhost-cert.pem");
export const KEY_FILE = join(FIXTURES, "localhost-key.pem");
export const CERT = readFileSync(CERT_FILE);

/** `--tls-cert` and `--tls-key` with the test certificate. */
export const TLS_OPTIONS = ["--tls-cert", CERT_FILE, "--tls-key", KEY_FILE] as const;

/** A request over HTTPS trusting only the test certificate; its status and body text. */
export function httpsRequest(
  url: string,
  method = "GET",
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, ca: CERT, headers: body === undefined ? {} : { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
