// Verifies webhook signatures made by the Java side with the official Standard Webhooks library.
// Reads one JSON array on stdin: [{"secret","id","timestamp","signature","body"}, ...].
// Prints one line per message ("ok" or the library's error) and exits 0 only if all verify.
"use strict";
const { Webhook } = require("standardwebhooks");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const messages = JSON.parse(input);
  let failed = 0;
  for (const m of messages) {
    try {
      new Webhook(m.secret).verify(m.body, {
        "webhook-id": m.id,
        "webhook-timestamp": m.timestamp,
        "webhook-signature": m.signature,
      });
      console.log("ok");
    } catch (e) {
      failed++;
      console.log(`${m.id}: ${e.name}: ${e.message}`);
    }
  }
  process.exit(failed === 0 && messages.length > 0 ? 0 : 1);
});
