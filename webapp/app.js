"use strict";

/*
 * direct-upload page: the browser asks our server for a presigned URL, PUTs the file
 * straight to the bucket, then asks the server to verify it and lists the stored files.
 *
 * Rules this file keeps (the page runs under a strict Content-Security-Policy and is
 * deployed both at "/" and under a context path):
 *  - every URL is relative ("api/config", never "/api/config");
 *  - anything coming from a user or a server is inserted with textContent, never innerHTML;
 *  - no inline handlers or styles: rows are cloned from <template>s in index.html.
 */
(() => {
  /** How many uploads run at once; the rest wait in the queue. */
  const PARALLEL_UPLOADS = 3;
  /** Page size of the files list. */
  const FILES_PAGE_SIZE = 50;
  /** Speed is measured over this window so one slow or fast event does not make it jump. */
  const SPEED_WINDOW_MS = 4000;
  /** A 409 from "complete" right after a successful PUT is retried once after this delay. */
  const COMPLETE_RETRY_DELAY_MS = 1000;
  /** Up to this many allowed types are named in the drop zone; more fold into a list below. */
  const INLINE_TYPES = 4;
  /** Headers the browser sets itself; setting them from script only logs a console error. */
  const FORBIDDEN_HEADERS = new Set(["content-length", "host"]);
  /**
   * Image types every current browser can draw. Other images (HEIC, TIFF) get a badge: their
   * thumbnail would download the whole file only to fail to decode.
   */
  const THUMBNAIL_TYPES = new Set([
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/bmp",
    "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon",
  ]);
  /**
   * A thumbnail is the whole file drawn small (the server never holds the bytes to make a
   * smaller one), so larger images get a badge instead of a download this big per row.
   */
  const THUMBNAIL_MAX_BYTES = 20 * 1024 * 1024;
  /** How long the Copy button says "Copied" before it reads "Copy" again. */
  const COPY_FEEDBACK_MS = 2500;

  const STATE_LABELS = {
    queued: "Queued",
    uploading: "Uploading",
    verifying: "Verifying",
    done: "Done",
    failed: "Failed",
    cancelled: "Cancelled",
    refused: "Refused",
  };
  /** States after which a row no longer changes by itself. */
  const FINAL_STATES = new Set(["done", "failed", "cancelled", "refused"]);

  const $ = (selector, root = document) => root.querySelector(selector);

  const el = {
    banner: $("#banner"),
    corsBanner: $("#cors-banner"),
    corsProblem: $("#cors-problem"),
    corsFix: $("#cors-fix"),
    corsOrigin: $("#cors-origin"),
    corsRules: $("#cors-rules"),
    corsCopy: $("#cors-copy"),
    input: $("#file-input"),
    dropZone: $("#drop-zone"),
    limits: $("#limits"),
    types: $("#types"),
    typesList: $("#types-list"),
    uploadsSection: $("#uploads-section"),
    uploads: $("#uploads"),
    overall: $("#overall"),
    overallText: $("#overall-text"),
    clearFinished: $("#clear-finished"),
    files: $("#files"),
    filesHeading: $("#files-heading"),
    filesLoading: $("#files-loading"),
    empty: $("#empty"),
    loadMore: $("#load-more"),
    refresh: $("#refresh"),
    live: $("#live"),
    uploadTemplate: $("#upload-template"),
    fileTemplate: $("#file-template"),
  };

  /** Server limits from api/config; null until loaded (uploads are disabled until then). */
  let config = null;
  /** Every upload row of this page session, in the order it was added. */
  const items = [];

  // ---------------------------------------------------------------------------------------
  // Formatting

  const SIZE_UNITS = ["KB", "MB", "GB", "TB", "PB"];

  /** Human-readable size with a 1024 base: 512 B, 1.5 MB, 5 GB, 120 MB. */
  function formatSize(bytes) {
    if (!Number.isFinite(bytes) || bytes < 0) return "?";
    if (bytes < 1024) return `${Math.round(bytes)} B`;
    let value = bytes / 1024;
    let unit = 0;
    // 1023.6 KB would print as "1024 KB": such values move up to "1 MB" instead.
    while (value >= 1023.5 && unit < SIZE_UNITS.length - 1) {
      value /= 1024;
      unit += 1;
    }
    // One decimal while it matters (1.5 MB), none for large numbers (120 MB); never "2.0".
    const text = value < 100 ? value.toFixed(1).replace(/\.0$/, "") : String(Math.round(value));
    return `${text} ${SIZE_UNITS[unit]}`;
  }

  /** "12 s", "3 min", "1 h 5 min". */
  function formatDuration(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) return "";
    const s = Math.ceil(seconds);
    if (s < 60) return `${s} s`;
    const minutes = Math.round(s / 60);
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }

  /** Server messages may lack a final stop; text that follows them needs one. */
  function sentence(text) {
    return /[.!?]$/.test(text) ? text : `${text}.`;
  }

  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function formatDate(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso ?? "") : dateFormat.format(date);
  }

  // ---------------------------------------------------------------------------------------
  // Talking to our server

  /** An error answered by our API (or a failure to reach it), with a message fit for users. */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.name = "ApiError";
      this.status = status;
      this.code = code;
    }
  }

  /**
   * Calls our JSON API. Resolves with the parsed body (null for 204), rejects with an
   * ApiError carrying the server's own message, or with an AbortError when cancelled.
   */
  async function api(path, { method = "GET", body, signal } = {}) {
    const init = { method, headers: { Accept: "application/json" }, cache: "no-store", signal };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, "NETWORK", "Cannot reach the server. Check your connection and try again.");
    }
    if (response.status === 204) return null;
    const data = await readJson(response);
    if (!response.ok) {
      const error = data && data.error;
      throw new ApiError(
        response.status,
        (error && error.code) || `HTTP_${response.status}`,
        (error && error.message) || `The server answered HTTP ${response.status}.`,
      );
    }
    return data;
  }

  /** Parses a body as JSON, or returns null: a proxy in front may answer with HTML. */
  async function readJson(response) {
    try {
      const text = await response.text();
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  const uploadPath = (id) => `api/uploads/${encodeURIComponent(id)}`;

  // ---------------------------------------------------------------------------------------
  // Banner (page-wide errors) and announcements

  /** Page-wide errors by source, so one source recovering does not hide another's error. */
  const bannerErrors = new Map();

  function setBanner(source, message) {
    if (message) bannerErrors.set(source, message);
    else bannerErrors.delete(source);
    el.banner.textContent = [...bannerErrors.values()].join(" ");
    el.banner.hidden = bannerErrors.size === 0;
  }

  let pendingAnnouncements = [];
  let announceTimer = 0;

  /**
   * Queues a sentence for screen readers. Several status changes in the same moment
   * (three uploads finishing together) are read as one message instead of replacing
   * each other before they are heard.
   */
  function announce(text) {
    pendingAnnouncements.push(text);
    if (announceTimer) return;
    announceTimer = window.setTimeout(() => {
      el.live.textContent = pendingAnnouncements.map((text) => text.replace(/\.$/, "")).join(". ") + ".";
      pendingAnnouncements = [];
      announceTimer = 0;
    }, 400);
  }

  // ---------------------------------------------------------------------------------------
  // Limits from api/config

  async function loadConfig() {
    try {
      const data = await api("api/config");
      config = {
        maxFileSize: Number(data.maxFileSize),
        allowedTypes: (data.allowedTypes || []).map((type) => String(type).toLowerCase()),
        urlExpirySeconds: data.urlExpirySeconds,
      };
      setBanner("config", null);
      showLimits();
      setUploadsEnabled(true);
    } catch (error) {
      setBanner("config", `Uploads are unavailable: ${sentence(error.message)} Reload the page to try again.`);
      el.limits.textContent = "Uploads are unavailable right now.";
    }
  }

  function showLimits() {
    const types = config.allowedTypes;
    const anyType = types.includes("*/*");
    let typesText;
    if (anyType) typesText = "any type";
    else if (types.length <= INLINE_TYPES) typesText = types.join(", ");
    else typesText = `${types.length} types, listed below`;
    el.limits.textContent = `Up to ${formatSize(config.maxFileSize)} per file, ${typesText}.`;
    el.typesList.textContent = types.join(", ");
    el.types.hidden = anyType || types.length <= INLINE_TYPES;
    // The picker filters by the same list; the check in refusalReason() stays authoritative.
    if (!anyType && config.allowedTypes.length) el.input.accept = config.allowedTypes.join(",");
  }

  function setUploadsEnabled(enabled) {
    el.input.disabled = !enabled;
    el.dropZone.setAttribute("aria-disabled", String(!enabled));
  }

  /** Whether a content type matches one entry of allowedTypes: exact, "type/*" or "*\/*". */
  function isTypeAllowed(contentType, allowedTypes) {
    const type = contentType.toLowerCase().split(";")[0].trim();
    return allowedTypes.some((allowed) =>
      allowed === "*/*"
      || allowed === type
      || (allowed.endsWith("/*") && type.startsWith(allowed.slice(0, -1))));
  }

  /** Why a file is refused before any request, or null if it may be uploaded. */
  function refusalReason(file, contentType) {
    if (file.size > config.maxFileSize) {
      return `Too large: ${formatSize(file.size)}, the limit is ${formatSize(config.maxFileSize)}.`;
    }
    if (!isTypeAllowed(contentType, config.allowedTypes)) {
      return `The type ${contentType} is not allowed.`;
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------
  // Health: does the storage answer, and will its CORS rules let this page upload?

  /**
   * Asks api/health once. A storage that does not answer goes to the error banner; a bucket
   * whose CORS rules would block the uploads gets its own banner with the rules to apply.
   * Older servers report no "cors" field: then nothing is shown.
   */
  async function checkHealth() {
    document.body.dataset.health = await healthVerdict();
  }

  /**
   * Shows what api/health reports and returns a word for it, kept on <body data-health> so
   * tests and people debugging see what the page concluded: up, down, cors or unknown.
   */
  async function healthVerdict() {
    let response;
    try {
      response = await fetch("api/health", { headers: { Accept: "application/json" }, cache: "no-store" });
    } catch {
      return "unknown"; // our server is unreachable: loading the limits already says so
    }
    const data = await readJson(response);
    if (!data || typeof data !== "object") return "unknown";
    if (response.status === 503 || data.status === "DOWN") {
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
    if (document.body.dataset.health !== "down") return;
    setBanner("health", null);
    document.body.dataset.health = "up";
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

  // ---------------------------------------------------------------------------------------
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
      addFiles([...el.input.files].map((file) => ({ file })));
      el.input.value = ""; // so choosing the same file again fires "change" again
    });
  }

  const hasFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");

  function wireDragAndDrop() {
    // Counting enter/leave pairs keeps the highlight steady while the pointer crosses
    // the drop zone's children, each of which fires its own enter and leave.
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
      if (config) addFiles(droppedFiles(event.dataTransfer));
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

  // ---------------------------------------------------------------------------------------
  // Upload rows and their life cycle:
  //   queued → uploading (presign + PUT) → verifying (complete) → done
  //   refused (checked before any request), failed (retry starts over), cancelled

  function addFiles(choices) {
    if (!config || choices.length === 0) return;
    for (const { file, isFolder } of choices) {
      const item = createItem(file);
      items.push(item);
      el.uploads.append(item.row.li);
      const contentType = file.type || "application/octet-stream";
      const reason = isFolder ? "Folders cannot be uploaded; drop the files inside." : refusalReason(file, contentType);
      if (reason) setState(item, "refused", reason);
      else setState(item, "queued");
    }
    el.uploadsSection.hidden = false;
    pump();
  }

  function createItem(file) {
    const li = el.uploadTemplate.content.firstElementChild.cloneNode(true);
    const row = {
      li,
      name: $(".name", li),
      status: $(".status", li),
      bar: $(".bar", li),
      detail: $(".detail", li),
      cancel: $(".cancel", li),
      retry: $(".retry", li),
      dismiss: $(".dismiss", li),
    };
    li.dataset.name = file.name;
    row.name.textContent = file.name;
    row.name.title = file.name;
    row.bar.max = Math.max(file.size, 1); // <progress max="0"> is invalid; empty files still show
    row.bar.setAttribute("aria-label", `Progress of ${file.name}`);

    const item = {
      file,
      row,
      state: "queued",
      attempt: 0, // counts runs, see run()
      id: null, // the server's upload id while one is pending
      xhr: null,
      abort: null, // AbortController of the fetch in flight
      loaded: 0,
      samples: [],
      message: "",
    };
    row.cancel.addEventListener("click", () => cancel(item));
    row.retry.addEventListener("click", () => retry(item));
    row.dismiss.addEventListener("click", () => dismiss(item));
    return item;
  }

  /** The one place a row changes state: updates the DOM, buttons and announcement. */
  function setState(item, state, message = "") {
    item.state = state;
    item.message = message;
    const { row, file } = item;
    row.status.dataset.state = state;
    row.status.textContent = STATE_LABELS[state];
    row.li.dataset.state = state;
    row.cancel.hidden = !(state === "queued" || state === "uploading");
    row.retry.hidden = !(state === "failed" || state === "cancelled");
    row.dismiss.hidden = !FINAL_STATES.has(state);
    if (state === "done" || state === "verifying") item.loaded = file.size;
    row.bar.value = state === "done" || state === "verifying" ? row.bar.max : item.loaded;
    row.detail.textContent = message || defaultDetail(item);
    // "verifying" usually lasts a blink: announcing it would only delay the next message.
    if (state !== "verifying") announce(announcement(item));
    updateOverall();
  }

  function defaultDetail(item) {
    switch (item.state) {
      case "queued": return `${formatSize(item.file.size)}, waiting`;
      case "uploading": return "Starting…";
      case "verifying": return "Checking the stored file…";
      case "done": return `${formatSize(item.file.size)} uploaded`;
      default: return "";
    }
  }

  function announcement(item) {
    const name = item.file.name;
    switch (item.state) {
      case "queued": return `${name} queued`;
      case "uploading": return `${name} uploading`;
      case "done": return `${name} uploaded`;
      case "cancelled": return `${name} cancelled`;
      default: return `${name} ${STATE_LABELS[item.state].toLowerCase()}: ${item.message}`;
    }
  }

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
    setState(item, "uploading");
    try {
      const presign = await presignUpload(item);
      if (!current() || item.state !== "uploading") return; // cancelled meanwhile; cancel() released it
      await transfer(item, presign);
      setState(item, "verifying");
      await complete(item);
      item.id = null; // completed: no longer ours to release
      storageAnswered();
      setState(item, "done");
      refreshFiles();
    } catch (error) {
      if (!current() || item.state === "cancelled" || error.name === "AbortError") return;
      // After 404 (unknown) or 422 (object differed and was removed) the server has already
      // dropped the upload: a DELETE would only earn a 404.
      if (error instanceof ApiError && (error.status === 404 || error.status === 422)) item.id = null;
      setState(item, "failed", error.message);
      releasePending(item);
    } finally {
      if (current()) {
        item.xhr = null;
        item.abort = null;
      }
      pump();
    }
  }

  async function presignUpload(item) {
    item.abort = new AbortController();
    const { file } = item;
    const answer = await api("api/uploads", {
      method: "POST",
      body: { filename: file.name, contentType: file.type || "application/octet-stream", size: file.size },
      signal: item.abort.signal,
    });
    item.id = answer.id;
    item.abort = null;
    if (item.state === "cancelled") releasePending(item); // cancelled between answer and here
    return answer;
  }

  /**
   * Sends the bytes to the store. Only single-request PUTs exist today; a multipart answer
   * (planned for large files) gets its own transfer function here.
   */
  function transfer(item, presign) {
    if (!presign.url) {
      return Promise.reject(new Error("The server asked for a multipart upload, which this page cannot do yet."));
    }
    return putFile(item, presign);
  }

  /** PUTs the raw file with XHR: fetch() still offers no upload progress. */
  function putFile(item, presign) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      item.xhr = xhr;
      xhr.open(presign.method || "PUT", presign.url);
      xhr.withCredentials = false; // the bucket is another origin; it must get no cookies
      for (const [name, value] of Object.entries(presign.headers || {})) {
        // Signed headers must go byte for byte; the browser adds Content-Length and Host.
        if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
      }
      item.samples = [{ time: performance.now(), loaded: 0 }];
      xhr.upload.addEventListener("progress", (event) => onProgress(item, event.loaded));
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve();
        else reject(new Error(storageRefusal(xhr)));
      });
      xhr.addEventListener("error", () => reject(new Error(networkErrorMessage())));
      xhr.addEventListener("abort", () => reject(new DOMException("Upload cancelled", "AbortError")));
      xhr.send(item.file);
    });
  }

  /** A failed PUT says no more than "network error": api/health may already know why. */
  function networkErrorMessage() {
    if (document.body.dataset.health === "cors") {
      return "Blocked by the bucket's CORS rules: apply the rules shown above, then retry.";
    }
    return "Network error: check the bucket CORS configuration and your connection.";
  }

  /** "The storage refused the upload (HTTP 403: SignatureDoesNotMatch)" from an S3 XML error. */
  function storageRefusal(xhr) {
    let code = "";
    try {
      const xml = new DOMParser().parseFromString(xhr.responseText || "", "application/xml");
      code = (xml.querySelector("Error > Code") || {}).textContent || "";
    } catch {
      code = ""; // not XML: the status alone still says enough
    }
    return `The storage refused the upload (HTTP ${xhr.status}${code ? `: ${code}` : ""}).`;
  }

  function onProgress(item, loaded) {
    if (item.state !== "uploading") return;
    item.loaded = loaded;
    const now = performance.now();
    item.samples.push({ time: now, loaded });
    while (item.samples.length > 2 && now - item.samples[0].time > SPEED_WINDOW_MS) item.samples.shift();

    const { row, file } = item;
    row.bar.value = loaded;
    const percent = file.size ? Math.floor((loaded / file.size) * 100) : 100;
    const parts = [`${percent}%`];
    const first = item.samples[0];
    const seconds = (now - first.time) / 1000;
    if (loaded >= file.size) {
      // All bytes are handed to the network; the store may still be reading and checking them.
      parts.push("waiting for the storage");
    } else if (seconds > 0.5 && loaded > first.loaded) {
      const speed = (loaded - first.loaded) / seconds;
      parts.push(`${formatSize(speed)}/s`, `${formatDuration((file.size - loaded) / speed)} left`);
    }
    row.detail.textContent = parts.join(" · ");
    updateOverall();
  }

  /** Asks the server to verify the stored object; one retry covers a store that lags a moment. */
  async function complete(item) {
    const path = `${uploadPath(item.id)}/complete`;
    try {
      return await api(path, { method: "POST", body: {} });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 409) throw error;
      await new Promise((resolve) => window.setTimeout(resolve, COMPLETE_RETRY_DELAY_MS));
      return api(path, { method: "POST", body: {} });
    }
  }

  /** Tells the server to forget a pending upload (best effort: pending uploads expire anyway). */
  function releasePending(item) {
    const id = item.id;
    item.id = null;
    if (!id) return;
    api(uploadPath(id), { method: "DELETE" }).catch(() => {
      // Nothing to show: the row already says what went wrong, and pending uploads expire.
    });
  }

  function cancel(item) {
    if (item.state !== "queued" && item.state !== "uploading") return;
    setState(item, "cancelled");
    if (item.abort) item.abort.abort(); // presign in flight: the id never arrives
    if (item.xhr) item.xhr.abort();
    releasePending(item);
    pump();
  }

  /** Starts over with a fresh presign: an old URL may have expired or be for a removed object. */
  function retry(item) {
    if (item.state !== "failed" && item.state !== "cancelled") return;
    item.loaded = 0;
    item.samples = [];
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
   * The overall bar counts the bytes of rows that are sent or still to be sent; failed rows
   * are left out of the bytes (a retry puts them back) so a failure does not pin it below 100%.
   */
  function updateOverall() {
    const counted = items.filter((item) => item.state !== "refused" && item.state !== "cancelled");
    const sending = counted.filter((item) => item.state !== "failed");
    const total = sending.reduce((sum, item) => sum + item.file.size, 0);
    const loaded = sending.reduce((sum, item) => sum + Math.min(item.loaded, item.file.size), 0);
    const done = counted.filter((item) => item.state === "done").length;
    const failed = counted.length - sending.length;
    const allDone = sending.length > 0 && sending.every((item) => item.state === "done");
    const fraction = total ? loaded / total : (allDone ? 1 : 0);
    el.overall.max = 1;
    el.overall.value = fraction;
    let text = `${done} of ${counted.length} ${counted.length === 1 ? "file" : "files"} done · ${Math.floor(fraction * 100)}%`;
    if (failed) text += ` · ${failed} failed`;
    el.overallText.textContent = counted.length ? text : "Nothing to upload.";
    el.clearFinished.hidden = !items.some((item) => FINAL_STATES.has(item.state));
  }

  // ---------------------------------------------------------------------------------------
  // The list of stored files

  let nextCursor = null;
  /** Bumped by every reload, so an answer for an older list is dropped instead of mixed in. */
  let listGeneration = 0;
  let refreshTimer = 0;

  /** Reloads the first page soon; uploads finishing together cause a single request. */
  function refreshFiles() {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(() => loadFiles(false), 150);
  }

  async function loadFiles(append) {
    const generation = append ? listGeneration : ++listGeneration;
    const params = new URLSearchParams({ limit: String(FILES_PAGE_SIZE) });
    if (append && nextCursor) params.set("cursor", nextCursor);
    el.files.setAttribute("aria-busy", "true");
    el.loadMore.disabled = true;
    try {
      const page = await api(`api/files?${params}`);
      if (generation !== listGeneration) return;
      const files = page.files || [];
      if (append) {
        const shown = new Set([...el.files.children].map((li) => li.dataset.id));
        for (const file of files) {
          if (!shown.has(String(file.id))) el.files.append(createFileRow(file));
        }
      } else {
        showFirstPage(files);
      }
      nextCursor = page.nextCursor || null;
      setBanner("files", null);
    } catch (error) {
      if (generation !== listGeneration) return;
      setBanner("files", `Could not load the files: ${sentence(error.message)}`);
    } finally {
      if (generation === listGeneration) {
        el.files.setAttribute("aria-busy", "false");
        el.filesLoading.hidden = true;
        el.loadMore.disabled = false;
        el.loadMore.hidden = !nextCursor;
        updateEmpty();
      }
    }
  }

  /**
   * Replaces the list with the first page. Rows already shown are moved, not rebuilt (a file
   * never changes): a rebuilt thumbnail would fetch a fresh presigned URL and so download the
   * whole image again after every upload, and a pending delete confirmation would vanish.
   */
  function showFirstPage(files) {
    const shown = new Map([...el.files.children].map((li) => [li.dataset.id, li]));
    const focused = el.files.contains(document.activeElement) ? document.activeElement : null;
    el.files.replaceChildren(...files.map((file) => shown.get(String(file.id)) || createFileRow(file)));
    // Moving a row takes focus away from the button in it: give it back.
    if (focused && el.files.contains(focused) && document.activeElement !== focused) focused.focus();
  }

  function updateEmpty() {
    el.empty.hidden = el.files.children.length > 0 || bannerErrors.has("files");
  }

  /** Only http(s) links are followed: a "javascript:" URL must never become a link. */
  function safeHref(url) {
    try {
      const resolved = new URL(url, document.baseURI);
      return resolved.protocol === "http:" || resolved.protocol === "https:" ? url : null;
    } catch {
      return null;
    }
  }

  function createFileRow(file) {
    const li = el.fileTemplate.content.firstElementChild.cloneNode(true);
    li.dataset.id = file.id;
    const name = $(".name", li);
    name.textContent = file.name;
    name.title = file.name;
    $(".size", li).textContent = formatSize(Number(file.size));
    $(".type", li).textContent = file.contentType || "unknown type";
    const date = $(".date", li);
    date.textContent = formatDate(file.uploadedAt);
    if (file.uploadedAt) date.dateTime = file.uploadedAt;

    const link = $("a.download", li);
    const href = safeHref(file.downloadUrl);
    if (href) link.href = href;
    fillThumbnail($(".thumb", li), file, href);
    link.download = file.name; // a hint; the server's Content-Disposition names the file too
    link.setAttribute("aria-label", `Download ${file.name}`);

    wireDelete(li, file);
    return li;
  }

  /**
   * A letter badge for every file, covered by the image itself for pictures: the download
   * URL redirects to a presigned GET, which an <img> follows like any other redirect.
   */
  function fillThumbnail(thumb, file, href) {
    const type = String(file.contentType || "").toLowerCase().split(";")[0].trim();
    thumb.dataset.kind = kindOf(type);
    $(".badge", thumb).textContent = badgeText(String(file.name || ""), type);
    const size = Number(file.size);
    if (!href || !THUMBNAIL_TYPES.has(type) || !(size <= THUMBNAIL_MAX_BYTES)) return;
    const img = document.createElement("img");
    img.className = "thumb-img";
    img.alt = ""; // the file's name is right beside it
    img.loading = "lazy";
    img.decoding = "async";
    img.width = 48;
    img.height = 48;
    img.addEventListener("load", () => thumb.classList.add("has-image"), { once: true });
    // Not an image after all, or no longer there: the badge underneath stays.
    img.addEventListener("error", () => img.remove(), { once: true });
    img.src = href;
    thumb.prepend(img);
  }

  /** A family for the badge's colour. */
  function kindOf(type) {
    if (type.startsWith("image/")) return "image";
    if (type.startsWith("video/")) return "video";
    if (type.startsWith("audio/")) return "audio";
    if (type === "application/pdf") return "pdf";
    if (/zip|compressed|tar|gzip|7z|rar/.test(type)) return "archive";
    if (/spreadsheet|excel|csv/.test(type)) return "sheet";
    if (/presentation|powerpoint/.test(type)) return "slides";
    if (/word|opendocument\.text/.test(type)) return "document";
    if (type.startsWith("text/") || type === "application/json") return "text";
    return "other";
  }

  /** "PDF", "DOCX", "PNG": the name's extension, else the type's, else "FILE". */
  function badgeText(name, type) {
    const extension = /\.([a-z0-9]{1,4})$/i.exec(name);
    if (extension) return extension[1].toUpperCase();
    const subtype = type.split("/")[1] || "";
    return /^[a-z0-9]{1,4}$/.test(subtype) ? subtype.toUpperCase() : "FILE";
  }

  /** Delete asks inline (non-blocking) before it calls DELETE api/uploads/{id}. */
  function wireDelete(li, file) {
    const actions = $(".actions", li);
    const confirmBox = $(".confirm", li);
    const deleteButton = $("button.delete", li);
    const confirmButton = $("button.confirm-delete", li);
    const keepButton = $("button.cancel-delete", li);
    const errorText = $(".error", li);
    deleteButton.setAttribute("aria-label", `Delete ${file.name}`);
    confirmButton.setAttribute("aria-label", `Yes, delete ${file.name}`);

    const showConfirm = (visible) => {
      actions.hidden = visible;
      confirmBox.hidden = !visible;
      (visible ? keepButton : deleteButton).focus();
    };
    deleteButton.addEventListener("click", () => {
      errorText.hidden = true;
      showConfirm(true);
    });
    keepButton.addEventListener("click", () => showConfirm(false));
    confirmButton.addEventListener("click", async () => {
      confirmButton.disabled = true;
      keepButton.disabled = true;
      try {
        await api(uploadPath(file.id), { method: "DELETE" });
        removeFileRow(li, `${file.name} deleted`);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          removeFileRow(li, `${file.name} was already gone`);
          return;
        }
        confirmButton.disabled = false;
        keepButton.disabled = false;
        showConfirm(false);
        errorText.textContent = `Could not delete: ${error.message}`;
        errorText.hidden = false;
      }
    });
  }

  /** Removes a row and keeps keyboard focus on a neighbour instead of losing it to <body>. */
  function removeFileRow(li, message) {
    const neighbour = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    announce(message);
    if (neighbour) {
      $("button.delete", neighbour).focus();
    } else {
      el.filesHeading.focus();
      // The last shown row went but the server has more: show them rather than "No files".
      if (nextCursor) loadFiles(false);
    }
    updateEmpty();
  }

  // ---------------------------------------------------------------------------------------
  // Start

  function init() {
    wirePicker();
    wireDragAndDrop();
    el.clearFinished.addEventListener("click", clearFinished);
    el.loadMore.addEventListener("click", () => loadFiles(true));
    el.refresh.addEventListener("click", () => loadFiles(false));
    el.corsCopy.addEventListener("click", copyCorsRules);
    loadConfig();
    loadFiles(false);
    checkHealth();
  }

  init();
})();
