/*
 * direct-upload page: the UI on top of the client (client.js), which asks our server for
 * presigned URLs, sends the files straight to the bucket and has the server verify them.
 * This module starts the page: limits and quota from api/config, the health and CORS banners,
 * the picker and drop zone; the upload rows live in uploads.js, the files list in files.js.
 */
import { createClient } from "./client.js";
import { count, formatSize, sentence } from "./format.js";
import { extensionsOf } from "./types.js";
import { announce, el, health, setBanner } from "./ui.js";
import { createFiles } from "./files.js";
import { createUploads } from "./uploads.js";

/** Up to this many allowed types are named in the drop zone; more fold into a list below. */
const INLINE_TYPES = 4;
/** How long the Copy button says "Copied" before it reads "Copy" again. */
const COPY_FEEDBACK_MS = 2500;
/** Families named in words when allowed as a whole ("image/*"). */
const FAMILIES = { image: "any image", video: "any video", audio: "any audio", text: "any text" };

/** The app this page belongs to: the client's endpoint is the folder above js/. */
const client = createClient();
/** Server limits from api/config; null until loaded (uploads are disabled until then). */
let config = null;

const files = createFiles({ client, changed: () => refreshQuota() });
const uploads = createUploads({
  client,
  config: () => config,
  stored: (file, localFile) => {
    storageAnswered();
    files.uploaded(file, localFile);
    refreshQuota();
  },
});

// -----------------------------------------------------------------------------------------
// Limits and quota from api/config

async function loadConfig() {
  try {
    config = await client.config();
    setBanner("config", null);
    showLimits();
    showQuota();
    setUploadsEnabled(true);
    uploads.showUnfinished();
  } catch (error) {
    setBanner("config", `Uploads are unavailable: ${sentence(error.message)} Reload the page to try again.`);
    el.limits.textContent = "Uploads are unavailable right now.";
  }
}

/**
 * "Up to 20 MB per file: .pdf, .png." The limit is the server's own words when it sends them
 * (maxFileSizeText), the types their extensions, each with its media type on hover.
 */
function showLimits() {
  const types = config.allowedTypes;
  const anyType = types.includes("*/*");
  const limit = config.maxFileSizeText || formatSize(config.maxFileSize);
  const named = types.map(typeLabel);
  if (anyType) {
    el.limits.replaceChildren(`Up to ${limit} per file, any type.`);
  } else if (types.length <= INLINE_TYPES) {
    el.limits.replaceChildren(`Up to ${limit} per file: `, ...joined(named), ".");
  } else {
    el.limits.replaceChildren(`Up to ${limit} per file, ${types.length} types, listed below.`);
  }
  el.typesList.replaceChildren(...joined(types.map(typeLabel)));
  el.types.hidden = anyType || types.length <= INLINE_TYPES;
  // The picker offers the same types (and their extensions, for files the system cannot
  // type, such as HEIC photos on many); the client's check stays authoritative.
  if (!anyType && types.length) {
    const extensions = types.flatMap((type) => extensionsOf(type, config).map((e) => `.${e}`));
    el.input.accept = [...types, ...extensions].join(",");
  }
}

/** ".jpg, .jpeg" titled image/jpeg; a type without a known extension is shown as it is. */
function typeLabel(type) {
  const label = document.createElement("abbr");
  label.className = "type-name";
  label.title = type;
  const extensions = extensionsOf(type, config);
  const family = /^([a-z]+)\/\*$/.exec(type);
  if (extensions.length) label.textContent = extensions.map((e) => `.${e}`).join(", ");
  else if (family) label.textContent = FAMILIES[family[1]] || type;
  else label.textContent = type;
  return label;
}

/** Nodes with ", " between them. */
function joined(nodes) {
  return nodes.flatMap((node, i) => (i ? [", ", node] : [node]));
}

/** "Your files: 2.5 MiB of 10 MiB · 3 of 100 files", when the server counts a quota. */
function showQuota() {
  const quota = config.quota;
  el.quota.hidden = !quota;
  if (!quota) return;
  const bytes = quota.maxBytes > 0
    ? `${formatSize(quota.usedBytes)} of ${formatSize(quota.maxBytes)}`
    : formatSize(quota.usedBytes);
  const files = quota.maxFiles > 0
    ? `${quota.usedFiles.toLocaleString("en-US")} of ${count(quota.maxFiles, "file")}`
    : count(quota.usedFiles, "file");
  el.quota.textContent = `Your files: ${bytes} · ${files}`;
  const full = (quota.maxBytes > 0 && quota.usedBytes >= quota.maxBytes)
    || (quota.maxFiles > 0 && quota.usedFiles >= quota.maxFiles);
  el.quota.dataset.full = String(full);
}

let quotaTimer = 0;

/** Reads the quota again soon after files came or went; several changes cause one request. */
function refreshQuota() {
  if (!config || !config.quota) return;
  window.clearTimeout(quotaTimer);
  quotaTimer = window.setTimeout(async () => {
    try {
      config = await client.config({ refresh: true });
      showQuota();
    } catch {
      // The old figure stays; the next change tries again.
    }
  }, 300);
}

function setUploadsEnabled(enabled) {
  el.input.disabled = !enabled;
  el.dropZone.setAttribute("aria-disabled", String(!enabled));
}

// -----------------------------------------------------------------------------------------
// Health: does the storage answer, and will its CORS rules let this page upload?

/**
 * Asks api/health once. A storage that does not answer goes to the error banner; a bucket
 * whose CORS rules would block the uploads gets its own banner with the rules to apply.
 * Older servers report no "cors" field: then nothing is shown. The verdict is kept on
 * <body data-health> so tests and people debugging see what the page concluded.
 */
async function checkHealth() {
  health.verdict = await healthVerdict();
}

async function healthVerdict() {
  const data = await client.health();
  if (!data) return "unknown"; // our server is unreachable: loading the limits already says so
  if (data.httpStatus === 503 || data.status === "DOWN") {
    const problem = data.problem || (data.cors && data.cors.problem) || "it gave no reason";
    setBanner("health", `The storage is not reachable: ${sentence(String(problem))}`);
    return "down"; // CORS cannot be judged while the storage does not answer
  }
  const cors = data.cors;
  if (cors && typeof cors === "object" && cors.ok === false) {
    showCorsBanner(cors);
    return "cors";
  }
  return "up";
}

/** A file just reached the storage: whatever api/health said at load, it answers now. */
function storageAnswered() {
  if (health.verdict !== "down") return;
  setBanner("health", null);
  health.verdict = "up";
}

function showCorsBanner(cors) {
  el.corsProblem.textContent = cors.problem
    ? sentence(String(cors.problem))
    : "The bucket's CORS rules do not allow uploads from this page.";
  const hasRules = cors.rules !== undefined && cors.rules !== null;
  el.corsRules.textContent = hasRules ? JSON.stringify(cors.rules, null, 2) : "";
  el.corsOrigin.textContent = cors.origin ? String(cors.origin) : window.location.origin;
  el.corsFix.hidden = !hasRules;
  el.corsCopy.textContent = canUseClipboard() ? "Copy" : "Select all";
  el.corsBanner.hidden = false;
  // The banner is long (it holds JSON): screen readers hear one sentence, then can read it.
  announce("Uploads will fail: the bucket's CORS rules do not allow this page. The rules to apply are shown");
}

/** The async clipboard exists only in secure contexts (https, localhost). */
function canUseClipboard() {
  return Boolean(window.isSecureContext && navigator.clipboard && navigator.clipboard.writeText);
}

let copyFeedbackTimer = 0;

/** Copies the rules; where the clipboard is unavailable or refused, selects them instead. */
async function copyCorsRules() {
  if (canUseClipboard()) {
    try {
      await navigator.clipboard.writeText(el.corsRules.textContent);
      copyFeedback("Copied", "The CORS rules are copied to the clipboard");
      return;
    } catch {
      // Refused (no permission, or the page lost focus): selecting still lets people copy.
    }
  }
  window.getSelection().selectAllChildren(el.corsRules);
  el.corsRules.focus();
  copyFeedback("Selected", "The CORS rules are selected: press Control C or Command C to copy them");
}

function copyFeedback(label, message) {
  const idle = canUseClipboard() ? "Copy" : "Select all";
  el.corsCopy.textContent = label;
  announce(message);
  window.clearTimeout(copyFeedbackTimer);
  copyFeedbackTimer = window.setTimeout(() => {
    el.corsCopy.textContent = idle;
  }, COPY_FEEDBACK_MS);
}

// -----------------------------------------------------------------------------------------
// Choosing files: picker, keyboard and drag and drop

function openPicker() {
  if (!el.input.disabled) el.input.click();
}

function wirePicker() {
  el.dropZone.addEventListener("click", openPicker);
  el.dropZone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.repeat) {
      event.preventDefault();
      openPicker();
    } else if (event.key === " ") {
      event.preventDefault(); // no page scroll; a button activates on Space release
    }
  });
  el.dropZone.addEventListener("keyup", (event) => {
    if (event.key === " ") openPicker();
  });
  el.input.addEventListener("change", () => {
    uploads.addFiles([...el.input.files].map((file) => ({ file })));
    el.input.value = ""; // so choosing the same file again fires "change" again
  });
}

const hasFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");

function wireDragAndDrop() {
  // Counting enter/leave pairs keeps the highlight steady while the pointer crosses the drop
  // zone's children, each of which fires its own enter and leave.
  let depth = 0;
  el.dropZone.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    el.dropZone.classList.add("dragover");
  });
  el.dropZone.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = config ? "copy" : "none";
  });
  el.dropZone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) el.dropZone.classList.remove("dragover");
  });
  el.dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    el.dropZone.classList.remove("dragover");
    if (config) uploads.addFiles(droppedFiles(event.dataTransfer));
  });
  // A file dropped just beside the zone must not make the browser navigate away to it.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => {
      if (hasFiles(event) && !el.dropZone.contains(event.target)) {
        event.preventDefault();
        if (type === "dragover") event.dataTransfer.dropEffect = "none";
      }
    });
  }
}

/** Files of a drop; folders arrive as pseudo-files that cannot be read, so they are flagged. */
function droppedFiles(dataTransfer) {
  const entries = [...(dataTransfer.items || [])]
    .filter((item) => item.kind === "file")
    .map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
  return [...dataTransfer.files].map((file, index) => ({
    file,
    isFolder: Boolean(entries[index] && entries[index].isDirectory),
  }));
}

// -----------------------------------------------------------------------------------------
// Start

wirePicker();
wireDragAndDrop();
el.corsCopy.addEventListener("click", copyCorsRules);
loadConfig();
files.load(false);
checkHealth();
