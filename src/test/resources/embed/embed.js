// The whole integration: import the client from the app, hand it files. {{CLIENT}} is the
// client module's URL, filled in by the test that serves this file.
import { createClient } from "{{CLIENT}}";

const client = createClient();
const results = document.getElementById("results");
const progress = document.getElementById("progress");

document.getElementById("files").addEventListener("change", (event) => {
  for (const file of event.target.files) {
    const line = results.appendChild(document.createElement("li"));
    client.upload(file, { onProgress: (p) => { progress.value = p.loaded / p.total; } })
      .then((stored) => { line.textContent = `stored ${stored.name} as ${stored.id}`; })
      .catch((error) => { line.textContent = `refused ${file.name}: ${error.code}: ${error.message}`; });
  }
});
document.body.dataset.ready = client.endpoint;
