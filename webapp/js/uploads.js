/*
 * The upload rows and their life cycle:
 *   queued → uploading → verifying → done
 *   refused (before any request, or by the server for good), failed (retry continues or starts
 *   over), cancelled, paused (resume continues)
 *   unfinished: an upload the server holds from before a reload; choosing the same file resumes it
 * The client (client.js) does the talking; this module shows it.
 */
import { ApiError } from "./client.js";
import { count, formatDate, formatDuration, formatSize, sentence } from "./format.js";
import { $, announce, el, health } from "./ui.js";

/** How many uploads run at once; the rest wait in the queue. */
const PARALLEL_UPLOADS = 3;
/** Speed is measured over this window so one slow or fast event does not make it jump. */
const SPEED_WINDOW_MS = 4000;
/** Unfinished uploads asked for their stored parts at load: one request each. */
const UNFINISHED_DETAILS = 10;

const STATE_LABELS = {
  queued: "Queued",
  uploading: "Uploading",
  paused: "Paused",
  verifying: "Verifying",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
  refused: "Refused",
  unfinished: "Unfinished",
};
/** States after which a row no longer changes by itself. */
const FINAL_STATES = new Set(["done", "failed", "cancelled", "refused"]);
/**
 * Answers that trying again cannot change: the row says "Refused" and offers no retry. A full
 * quota or too many unfinished uploads can change (delete files, finish uploads): those fail.
 */
const REFUSALS = new Set([
  "FILE_TOO_LARGE", "TYPE_NOT_ALLOWED", "TYPE_MISMATCH", "INVALID_FILENAME", "INVALID_SIZE",
  "REJECTED_BY_HOOK", "FORBIDDEN_ORIGIN",
]);

/**
 * The upload rows. {@code client} speaks the API; {@code config()} gives the server's limits
 * (null until loaded); {@code stored(file, localFile)} hears of each file that completed.
 */
export function createUploads({ client, config, stored }) {
  /** Every upload row of this page session, in the order it was added. */
  const items = [];

  // ---------------------------------------------------------------------------------------
  // Adding rows

  /** Adds chosen or dropped files: [{file, isFolder}]. */
  function addFiles(choices) {
    const limits = config();
    if (!limits || choices.length === 0) return;
    for (const { file, isFolder } of choices) {
      const checked = client.check(file, limits);
      const earlier = isFolder || checked.error ? null : unfinishedFor(file);
      const item = earlier ? adopt(earlier, file) : createItem(file.name, file.size);
      item.file = file;
      item.contentType = checked.contentType;
      if (!earlier) {
        items.push(item);
        el.uploads.append(item.row.li);
      }
      if (isFolder) setState(item, "refused", "Folders cannot be uploaded; drop the files inside.");
      else if (checked.error) setState(item, "refused", checked.error.message);
      else setState(item, "queued");
    }
    el.uploadsSection.hidden = false;
    pump();
  }

  /** The unfinished row this file continues: the one this browser remembers, else same name and size. */
  function unfinishedFor(file) {
    const rows = items.filter((item) => item.state === "unfinished");
    const remembered = client.resumeId(file);
    return rows.find((item) => item.id === remembered)
      || rows.find((item) => item.name === file.name && item.size === file.size)
      || null;
  }

  /**
   * Turns an unfinished row into the upload of {@code file}. The client continues it when this
   * browser remembers the file; otherwise it starts over, and the old upload is dropped: only
   * a file this browser knew can be trusted to match the parts already stored.
   */
  function adopt(item, file) {
    if (item.id !== client.resumeId(file)) client.cancel(item.id);
    item.id = null;
    item.row.bar.max = Math.max(file.size, 1);
    return item;
  }

  function createItem(name, size) {
    const li = el.uploadTemplate.content.firstElementChild.cloneNode(true);
    const row = {
      li,
      name: $(".name", li),
      status: $(".status", li),
      bar: $(".bar", li),
      detail: $(".detail", li),
      pause: $(".pause", li),
      resume: $(".resume", li),
      cancel: $(".cancel", li),
      retry: $(".retry", li),
      choose: $(".choose", li),
      discard: $(".discard", li),
      dismiss: $(".dismiss", li),
    };
    li.dataset.name = name;
    row.name.textContent = name;
    row.name.title = name;
    row.bar.max = Math.max(size, 1); // <progress max="0"> is invalid; empty files still show
    row.bar.setAttribute("aria-label", `Progress of ${name}`);
    for (const button of ["pause", "resume", "cancel", "retry", "choose", "discard"]) {
      row[button].setAttribute("aria-label", `${row[button].textContent.trim()} ${name}`);
    }

    const item = {
      name,
      size,
      file: null,
      contentType: null,
      row,
      state: "queued",
      attempt: 0, // counts runs, see run()
      id: null, // the server's upload id, once known
      multipart: null, // {partSize, partCount} once the server said the file goes in parts
      controller: null, // stops the upload in flight
      progress: null, // the client's last progress report
      loaded: 0,
      samples: [],
      message: "",
    };
    row.pause.addEventListener("click", () => pause(item));
    row.resume.addEventListener("click", () => resume(item));
    row.cancel.addEventListener("click", () => cancel(item));
    row.retry.addEventListener("click", () => retry(item));
    row.choose.addEventListener("click", () => el.input.click());
    row.discard.addEventListener("click", () => discard(item));
    row.dismiss.addEventListener("click", () => dismiss(item));
    return item;
  }

  // ---------------------------------------------------------------------------------------
  // Unfinished uploads from before a reload

  /**
   * Shows the caller's unfinished uploads (GET api/uploads?status=pending) that no row shows
   * yet, with what the store holds of those sent in parts.
   */
  async function showUnfinished() {
    let uploads;
    try {
      uploads = await client.pending();
    } catch {
      document.body.dataset.unfinished = "unknown";
      return; // nothing to offer; uploading still works
    }
    const shown = new Set(items.map((item) => item.id).filter(Boolean));
    const fresh = uploads.filter((upload) => upload && upload.id && !shown.has(upload.id));
    // How many unfinished uploads the page found, on <body data-unfinished> for tests and
    // people debugging, as <body data-health> says what api/health said.
    document.body.dataset.unfinished = String(fresh.length);
    if (fresh.length === 0) return;
    for (const upload of fresh) {
      const item = createItem(String(upload.name || "unnamed"), Number(upload.size) || 0);
      item.id = upload.id;
      item.multipart = upload.multipart || null;
      item.createdAt = upload.createdAt;
      items.push(item);
      el.uploads.append(item.row.li);
      setState(item, "unfinished", unfinishedDetail(item, null));
    }
    el.uploadsSection.hidden = false;
    const inParts = items.filter((item) => item.state === "unfinished" && item.multipart);
    for (const item of inParts.slice(0, UNFINISHED_DETAILS)) {
      client.parts(item.id).then((answer) => {
        if (item.state !== "unfinished") return;
        const parts = {
          partCount: Number(answer.partCount),
          stored: answer.parts.length,
          bytes: answer.parts.reduce((sum, part) => sum + Number(part.size), 0),
        };
        item.loaded = parts.bytes;
        item.row.bar.value = parts.bytes;
        item.row.detail.textContent = unfinishedDetail(item, parts);
        updateOverall();
      }, () => {
        // Gone meanwhile, or the store does not answer: the row still offers to resume.
      });
    }
  }

  function unfinishedDetail(item, parts) {
    const started = item.createdAt ? `, started ${formatDate(item.createdAt)}` : "";
    let kept;
    if (!item.multipart) kept = "Sent in one piece, it starts again from the beginning";
    else if (!parts) kept = `Sent in ${count(Number(item.multipart.partCount), "part")}`;
    else kept = `${parts.stored} of ${count(parts.partCount, "part")} stored (${formatSize(parts.bytes)})`;
    return `${formatSize(item.size)}${started}. ${kept}. Choose the same file to resume.`;
  }

  async function discard(item) {
    if (item.state !== "unfinished") return;
    item.row.discard.disabled = true;
    await client.cancel(item.id);
    items.splice(items.indexOf(item), 1);
    item.row.li.remove();
    announce(`${item.name} discarded`);
    afterRowsRemoved();
  }

  // ---------------------------------------------------------------------------------------
  // States

  /** The one place a row changes state: updates the DOM, buttons and announcement. */
  function setState(item, state, message = "") {
    item.state = state;
    item.message = message;
    const { row } = item;
    row.status.dataset.state = state;
    row.status.textContent = STATE_LABELS[state];
    row.li.dataset.state = state;
    showButtons(item);
    if (state === "done" || state === "verifying") item.loaded = item.size;
    row.bar.value = item.loaded;
    row.detail.textContent = message || defaultDetail(item);
    // "verifying" usually lasts a blink: announcing it would only delay the next message.
    if (state !== "verifying") announce(announcement(item));
    updateOverall();
  }

  function showButtons(item) {
    const { row, state } = item;
    row.pause.hidden = state !== "uploading";
    row.resume.hidden = state !== "paused";
    row.cancel.hidden = !(state === "queued" || state === "uploading" || state === "paused");
    row.retry.hidden = !(state === "failed" || state === "cancelled");
    row.choose.hidden = state !== "unfinished";
    row.discard.hidden = state !== "unfinished";
    row.dismiss.hidden = !FINAL_STATES.has(state);
  }

  function defaultDetail(item) {
    switch (item.state) {
      case "queued": return `${formatSize(item.size)}, waiting`;
      case "uploading": return "Starting…";
      case "verifying": return "Checking the stored file…";
      case "done": return `${formatSize(item.size)} uploaded`;
      default: return "";
    }
  }

  function announcement(item) {
    const { name } = item;
    switch (item.state) {
      case "queued": return `${name} queued`;
      case "uploading": return `${name} uploading`;
      case "done": return `${name} uploaded`;
      case "cancelled": return `${name} cancelled`;
      case "unfinished": return `${name} is unfinished: choose the same file to resume`;
      default: return `${name} ${STATE_LABELS[item.state].toLowerCase()}: ${item.message}`;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Running

  /** Starts queued uploads while fewer than PARALLEL_UPLOADS are running. */
  function pump() {
    let running = items.filter((item) => item.state === "uploading" || item.state === "verifying").length;
    for (const item of items) {
      if (running >= PARALLEL_UPLOADS) break;
      if (item.state === "queued") {
        running += 1;
        run(item);
      }
    }
  }

  async function run(item) {
    // A cancel followed by a quick retry starts a new attempt while the old one is still
    // unwinding: the old attempt must then leave the row alone.
    item.attempt += 1;
    const attempt = item.attempt;
    const current = () => item.attempt === attempt;
    const controller = new AbortController();
    item.controller = controller;
    item.samples = [{ time: performance.now(), sent: 0 }];
    setState(item, "uploading");
    try {
      const file = await client.upload(item.file, {
        signal: controller.signal,
        contentType: item.contentType,
        onStatus: (event) => { if (current()) showStatus(item, event); },
        onProgress: (progress) => { if (current()) showProgress(item, progress); },
      });
      if (!current()) return;
      item.id = null; // completed: no longer ours to release
      setState(item, "done");
      stored(file, item.file);
    } catch (error) {
      if (!current() || item.state === "cancelled" || item.state === "paused" || error.name === "AbortError") return;
      if (error instanceof ApiError && REFUSALS.has(error.code)) setState(item, "refused", sentence(error.message));
      else setState(item, "failed", failure(error));
    } finally {
      if (current()) item.controller = null;
      pump();
    }
  }

  /** What went wrong, in words: a PUT that met no answer may be the bucket's CORS rules. */
  function failure(error) {
    if (error instanceof ApiError && error.code === "STORE_NETWORK" && health.verdict === "cors") {
      return "Blocked by the bucket's CORS rules: apply the rules shown above, then retry.";
    }
    return sentence(error.message || String(error));
  }

  function showStatus(item, event) {
    switch (event.state) {
      case "started":
        item.id = event.id;
        item.multipart = event.multipart;
        break;
      case "resuming": {
        const message = `Resuming: ${event.partsStored} of ${event.partCount} parts already stored`;
        item.row.detail.textContent = message;
        announce(`${item.name}: ${message}`);
        break;
      }
      case "resending":
        setState(item, "uploading", `The storage lacks ${event.missing} of ${event.partCount} parts: sending them again…`);
        break;
      case "verifying":
        setState(item, "verifying");
        break;
      default:
        break;
    }
  }

  /**
   * Shows how far it got (the bar and percentage: bytes sent, parts in flight included) and how
   * fast bytes go out (speed and time left, resent bytes included).
   */
  function showProgress(item, progress) {
    if (item.state !== "uploading") return;
    item.progress = progress;
    item.loaded = progress.loaded;
    const now = performance.now();
    item.samples.push({ time: now, sent: progress.sent });
    while (item.samples.length > 2 && now - item.samples[0].time > SPEED_WINDOW_MS) item.samples.shift();

    const { row, size } = item;
    row.bar.value = progress.loaded;
    const percent = size ? Math.floor((progress.loaded / size) * 100) : 100;
    const shown = [`${percent}%`];
    if (progress.partCount) shown.push(`${progress.partsStored} of ${count(progress.partCount, "part")} stored`);
    const remaining = size - progress.loaded;
    const first = item.samples[0];
    const seconds = (now - first.time) / 1000;
    if (remaining <= 0) {
      // All bytes are handed to the network; the store may still be reading and checking them.
      shown.push("waiting for the storage");
    } else if (seconds > 0.5 && progress.sent > first.sent) {
      const speed = (progress.sent - first.sent) / seconds;
      shown.push(`${formatSize(speed)}/s`, `${formatDuration(remaining / speed)} left`);
    }
    row.detail.textContent = shown.join(" · ");
    updateOverall();
  }

  // ---------------------------------------------------------------------------------------
  // Buttons

  function cancel(item) {
    if (item.state !== "queued" && item.state !== "uploading" && item.state !== "paused") return;
    setState(item, "cancelled");
    if (item.controller) item.controller.abort();
    client.cancel(item.file); // drops it on the server too: a large file's parts are freed
    item.id = null;
    pump();
  }

  /**
   * Stops the upload and says what is kept: a file in parts keeps the parts the store
   * holds (those in flight are sent again), a single PUT keeps nothing.
   */
  function pause(item) {
    if (item.state !== "uploading") return;
    const progress = item.progress;
    const limits = config();
    let message;
    if (item.multipart || (limits && item.size >= limits.multipartThreshold)) {
      const partCount = item.multipart ? Number(item.multipart.partCount) : null;
      const storedParts = progress ? progress.partsStored : 0;
      const inFlight = progress ? progress.partsInFlight : 0;
      item.loaded = progress ? progress.stored : 0;
      const kept = item.loaded > 0
        ? `${formatSize(item.loaded)} of ${formatSize(item.size)} kept (${storedParts} of ${count(partCount || 0, "part")})`
        : "nothing stored yet";
      const again = inFlight ? `; the ${count(inFlight, "part")} in flight will be sent again` : "";
      message = `Paused: ${kept}${again}.`;
    } else {
      item.loaded = 0;
      message = "Paused: a file sent in one piece keeps nothing; Resume sends it again from the start.";
    }
    setState(item, "paused", message);
    if (item.controller) item.controller.abort();
    item.row.resume.focus(); // the Pause button just went away
    pump();
  }

  /** Queues a paused upload again: a large file sends only the parts the store lacks. */
  function resume(item) {
    if (item.state !== "paused") return;
    setState(item, "queued");
    pump();
    (item.row.pause.hidden ? item.row.cancel : item.row.pause).focus();
  }

  /** A failed large file sends only its missing parts; anything else starts over. */
  function retry(item) {
    if (item.state !== "failed" && item.state !== "cancelled") return;
    item.loaded = 0;
    setState(item, "queued");
    pump();
  }

  function dismiss(item) {
    items.splice(items.indexOf(item), 1);
    item.row.li.remove();
    afterRowsRemoved();
  }

  function clearFinished() {
    for (const item of items.filter((candidate) => FINAL_STATES.has(candidate.state))) {
      items.splice(items.indexOf(item), 1);
      item.row.li.remove();
    }
    afterRowsRemoved();
  }

  function afterRowsRemoved() {
    if (items.length === 0) {
      el.uploadsSection.hidden = true;
      el.dropZone.focus(); // the focused button just disappeared
    }
    updateOverall();
  }

  /**
   * The summary counts every row shown. Its percentage counts the bytes of rows that are sent
   * or still to be sent; failed rows are left out of the bytes (a retry puts them back) so a
   * failure does not pin it below 100%.
   */
  function updateOverall() {
    const counted = (state) => items.filter((item) => item.state === state).length;
    const sending = items.filter((item) => !["refused", "cancelled", "failed", "unfinished"].includes(item.state));
    const total = sending.reduce((sum, item) => sum + item.size, 0);
    const loaded = sending.reduce((sum, item) => sum + Math.min(item.loaded, item.size), 0);
    const allDone = sending.length > 0 && sending.every((item) => item.state === "done");
    const fraction = total ? loaded / total : (allDone ? 1 : 0);
    el.overall.max = 1;
    el.overall.value = fraction;
    const shown = [`${counted("done")} of ${items.length} ${items.length === 1 ? "file" : "files"} done`];
    if (sending.length) shown.push(`${Math.floor(fraction * 100)}%`);
    for (const state of ["paused", "failed", "refused", "cancelled", "unfinished"]) {
      const n = counted(state);
      if (n) shown.push(`${n} ${state}`);
    }
    el.overallText.textContent = items.length ? shown.join(" · ") : "Nothing to upload.";
    el.clearFinished.hidden = !items.some((item) => FINAL_STATES.has(item.state));
  }

  el.clearFinished.addEventListener("click", clearFinished);

  return { addFiles, showUnfinished };
}
