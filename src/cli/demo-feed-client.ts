/**
 * How the demo's generators reach its server: keep-alive HTTP or HTTPS connections through node:http and
 * node:https (the global fetch cannot be told which certificate to trust without undici as a dependency).
 * Over HTTPS the client trusts the demo's own certificate and nothing else: the chain must verify against
 * that certificate (a self-signed one) or Node's root CAs, and the server must present exactly that
 * certificate. The host name is not checked, since the generators post to the address the demo listens on.
 */
import { X509Certificate } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";

export interface FeedClientOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  readonly apiKey?: string | undefined;
  /** The PEM certificate the server presents (the demo's --tls-cert); needed for an https url. */
  readonly certificate?: Buffer | undefined;
}

export interface FeedReply {
  readonly status: number;
  /** The reply parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
}

/** e.g. `const client = new FeedClient("https://127.0.0.1:8443", { certificate }); await client.post(path, ndjson)`. */
export class FeedClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly headers: Record<string, string>;

  constructor(url: string, options: FeedClientOptions = {}) {
    this.base = new URL(url);
    this.headers = {
      "content-type": "application/x-ndjson",
      ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
    };
    if (this.base.protocol === "https:") {
      const certificate = options.certificate;
      if (certificate === undefined) {
        throw new TypeError(`${url}: an https url needs the server's certificate (options.certificate)`);
      }
      const expected = new X509Certificate(certificate).fingerprint256;
      this.agent = new https.Agent({
        keepAlive: true,
        ca: [...rootCertificates, certificate.toString("utf8")],
        checkServerIdentity: (_host, presented) =>
          presented.fingerprint256 === expected
            ? undefined
            : new Error(
                `the server presented another certificate than the demo's own (${presented.subject.CN})`,
              ),
      });
    } else {
      this.agent = new http.Agent({ keepAlive: true });
    }
  }

  /** POSTs `body` (NDJSON) to `path` and resolves with the reply; rejects on a network or TLS error. */
  post(path: string, body: string): Promise<FeedReply> {
    const send = this.base.protocol === "https:" ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const request = send(
        new URL(path, this.base),
        {
          method: "POST",
          agent: this.agent,
          headers: { ...this.headers, "content-length": Buffer.byteLength(body) },
        },
        (reply) => {
          const chunks: Buffer[] = [];
          reply.on("data", (chunk: Buffer) => chunks.push(chunk));
          reply.on("error", reject);
          reply.on("end", () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch {
              parsed = undefined;
            }
            resolve({ status: reply.statusCode ?? 0, body: parsed });
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }

  /** Closes the idle connections; call once no request is in flight. */
  close(): void {
    this.agent.destroy();
  }
}
