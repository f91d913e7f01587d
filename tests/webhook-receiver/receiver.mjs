// A ministry's webhook receiver, as a ministry would write it with an off-the-shelf library: every delivery is
// verified with the Standard Webhooks reference implementation (npm "standardwebhooks") and deduplicated on
// webhook-id, the idempotency key the service keeps the same on every attempt.
//
// For the tests: listens on 127.0.0.1 (port 0: the system picks one), prints one JSON line per event on stdout,
// takes commands on stdin ("secret <whsec_...>", "refuse <n>": refuse the next n verified attempts with 503).
// It never prints a secret.
import http from "node:http";
import readline from "node:readline";
import { Webhook } from "standardwebhooks";

let verifier = null;
let refuse = 0;
const accepted = new Map(); // webhook-id -> body, the receiver's dedupe store
let tamperChecked = false;

const print = (event) => process.stdout.write(JSON.stringify(event) + "\n");

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const headers = {
      "webhook-id": request.headers["webhook-id"] ?? "",
      "webhook-timestamp": request.headers["webhook-timestamp"] ?? "",
      "webhook-signature": request.headers["webhook-signature"] ?? "",
    };
    const id = headers["webhook-id"];
    let payload;
    try {
      if (!verifier) throw new Error("no secret yet");
      payload = verifier.verify(body, headers);
    } catch (error) {
      print({ event: "attempt", id, valid: false, error: String(error.message ?? error), status: 400 });
      response.writeHead(400).end();
      return;
    }

    const signatures = headers["webhook-signature"].split(" ").length;
    if (!tamperChecked) {
      // The same delivery, tampered with: a changed body, then the genuine one replayed with an old timestamp.
      tamperChecked = true;
      const rejection = (b, h) => {
        try {
          verifier.verify(b, h);
          return null;
        } catch (error) {
          return String(error.message ?? error);
        }
      };
      const old = String(Math.floor(Date.now() / 1000) - 600);
      print({
        event: "tamper",
        tamperedBody: rejection(body.replace(payload.data.message, payload.data.message + "!"), headers),
        oldTimestamp: rejection(body, { ...headers, "webhook-timestamp": old }),
      });
    }

    if (refuse > 0) {
      refuse--;
      print({ event: "attempt", id, valid: true, signatures, status: 503 });
      response.writeHead(503).end();
      return;
    }

    const duplicate = accepted.has(id);
    if (!duplicate) accepted.set(id, payload);
    print({ event: "attempt", id, valid: true, signatures, status: 204, duplicate, type: payload.type, nudge: payload.data.id });
    response.writeHead(204).end();
  });
});

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, argument] = line.trim().split(/\s+/, 2);
  if (command === "secret") verifier = new Webhook(argument);
  if (command === "refuse") refuse = Number(argument);
  print({ event: "ok", command });
});

server.listen(0, "127.0.0.1", () => print({ event: "listening", port: server.address().port }));
