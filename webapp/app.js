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
  /** How many parts of one large file are sent at once. */
  const PARALLEL_PARTS = 4;
  /** The most part numbers one signing request asks for (the server's limit). */
  const SIGN_BATCH = 100;
  /** A part that meets a network error, a 5xx or an expired URL is sent again this many times. */
  const PART_RETRIES = 3;
  /** The wait before a part is sent again, doubled for each further try: 1 s, 2 s, 4 s. */
  const PART_RETRY_DELAY_MS = 1000;
  /** A part URL this close to its expiry is signed anew rather than sent to be refused. */
  const URL_MARGIN_MS = 30_000;
  /** How often a large file's "complete" may find parts missing, sending them again each time. */
  const COMPLETE_ROUNDS = 3;
  /**
   * Where this page remembers its unfinished large uploads, by file, to resume them after a
   * reload. One key per deployment: two apps on one origin keep apart.
   */
  const RESUME_KEY = `direct-upload:resume:${new URL("api/", document.baseURI).pathname}`;
  /** Older entries are dropped when another is written (the server forgets them sooner). */
  const RESUME_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
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
    paused: "Paused",
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
  // A large file (multipart, in parts) may also go uploading ⇄ paused, and what the store
  // accepted stays there: resume, retry and the same file added after a reload continue it.

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
      pause: $(".pause", li),
      resume: $(".resume", li),
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
      multipart: null, // a large file's plan and what the store holds of it, see plan()
      fingerprint: fingerprint(file),
      xhr: null,
      abort: null, // AbortController of the fetch (or, for a large file, of the parts) in flight
      loaded: 0,
      samples: [],
      message: "",
    };
    row.pause.addEventListener("click", () => pause(item));
    row.resume.addEventListener("click", () => resume(item));
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
    showButtons(item);
    if (state === "done" || state === "verifying") item.loaded = file.size;
    row.bar.value = state === "done" || state === "verifying" ? row.bar.max : item.loaded;
    row.detail.textContent = message || defaultDetail(item);
    // "verifying" usually lasts a blink: announcing it would only delay the next message.
    if (state !== "verifying") announce(announcement(item));
    updateOverall();
  }

  /** Pause and Resume are offered once the server has said that the file goes in parts. */
  function showButtons(item) {
    const { row, state } = item;
    row.pause.hidden = !(state === "uploading" && item.multipart);
    row.resume.hidden = state !== "paused";
    row.cancel.hidden = !(state === "queued" || state === "uploading" || state === "paused");
    row.retry.hidden = !(state === "failed" || state === "cancelled");
    row.dismiss.hidden = !FINAL_STATES.has(state);
  }

  function defaultDetail(item) {
    switch (item.state) {
      case "queued": return `${formatSize(item.file.size)}, waiting`;
      case "uploading": return "Starting…";
      case "paused": return `Paused: ${formatSize(item.loaded)} of ${formatSize(item.file.size)} stored`;
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
      case "paused": return `${name} paused`;
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
      // A large file the server still holds (paused, failed) continues; anything else starts.
      const presign = item.id ? null : await start(item);
      if (!current() || item.state !== "uploading") return; // cancelled meanwhile; cancel() released it
      await transfer(item, presign);
      setState(item, "verifying");
      await (item.multipart ? completeLargeFile(item) : complete(item));
      forgetResumable(item.fingerprint, item.id);
      item.id = null; // completed: no longer ours to release
      storageAnswered();
      setState(item, "done");
      refreshFiles();
    } catch (error) {
      if (!current() || item.state === "cancelled" || item.state === "paused" || error.name === "AbortError") return;
      // After 404 (unknown) or 422 (object differed and was removed) the server has already
      // dropped the upload: a DELETE would only earn a 404.
      if (error instanceof ApiError && (error.status === 404 || error.status === 422)) {
        forgetResumable(item.fingerprint, item.id);
        item.id = null;
      }
      setState(item, "failed", error.message);
      // The parts a large file has in the store stay there: retry sends only the others.
      if (!item.multipart) releasePending(item);
    } finally {
      if (current()) {
        item.xhr = null;
        item.abort = null;
      }
      pump();
    }
  }

  /**
   * Continues the unfinished upload of the same file that a reload left behind, when the
   * server still lists it; otherwise asks for a new upload. Resolves with the server's answer
   * to a new upload, or null when resuming.
   */
  async function start(item) {
    item.multipart = null;
    item.loaded = 0;
    item.abort = new AbortController();
    const { file } = item;
    const earlier = await findResumable(item, item.abort.signal);
    if (earlier) {
      item.id = earlier.id;
      item.multipart = plan(earlier.multipart, file.size);
      item.abort = null;
      showButtons(item);
      return null;
    }
    const answer = await api("api/uploads", {
      method: "POST",
      body: { filename: file.name, contentType: file.type || "application/octet-stream", size: file.size },
      signal: item.abort.signal,
    });
    item.id = answer.id;
    item.abort = null;
    if (item.state === "cancelled") {
      releasePending(item); // cancelled between answer and here
    } else if (answer.multipart) {
      item.multipart = plan(answer.multipart, file.size);
      rememberResumable(item.fingerprint, item.id);
      showButtons(item);
    }
    return answer;
  }

  /** Sends the bytes to the store: one presigned PUT, or the parts of a large file. */
  function transfer(item, presign) {
    if (item.multipart) return sendLargeFile(item, presign === null);
    if (!presign || !presign.url) return Promise.reject(new Error("The server answered without an upload URL."));
    return putFile(item, presign);
  }

  /** Sets the headers that were signed into a URL: they must go byte for byte. */
  function setSignedHeaders(xhr, headers) {
    for (const [name, value] of Object.entries(headers || {})) {
      // The browser adds Content-Length and Host itself.
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
  }

  /** PUTs the raw file with XHR: fetch() still offers no upload progress. */
  function putFile(item, presign) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      item.xhr = xhr;
      xhr.open(presign.method || "PUT", presign.url);
      xhr.withCredentials = false; // the bucket is another origin; it must get no cookies
      setSignedHeaders(xhr, presign.headers);
      item.samples = [{ time: performance.now(), loaded: 0 }];
      xhr.upload.addEventListener("progress", (event) => showProgress(item, event.loaded));
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve();
        else reject(new Error(storageRefusal(xhr)));
      });
      xhr.addEventListener("error", () => reject(new Error(networkErrorMessage())));
      xhr.addEventListener("abort", () => reject(abortError()));
      xhr.send(item.file);
    });
  }

  const abortError = () => new DOMException("Upload cancelled", "AbortError");

  /** Waits ms, or rejects with an AbortError as soon as signal aborts. */
  function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      const stop = () => {
        window.clearTimeout(timer);
        reject(abortError());
      };
      const timer = window.setTimeout(() => {
        if (signal) signal.removeEventListener("abort", stop);
        resolve();
      }, ms);
      if (signal) signal.addEventListener("abort", stop, { once: true });
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

  /**
   * Shows what is stored (the bar and percentage) and how fast bytes go out (speed and time
   * left). A single PUT counts the bytes it has sent for both; a large file shows on the bar
   * only the parts the store accepted, so the bar never goes back when a part is sent again.
   */
  function showProgress(item, loaded, sent = loaded, remaining = item.file.size - loaded) {
    if (item.state !== "uploading") return;
    item.loaded = loaded;
    const now = performance.now();
    item.samples.push({ time: now, loaded: sent });
    while (item.samples.length > 2 && now - item.samples[0].time > SPEED_WINDOW_MS) item.samples.shift();

    const { row, file } = item;
    row.bar.value = loaded;
    const percent = file.size ? Math.floor((loaded / file.size) * 100) : 100;
    const parts = [`${percent}%`];
    const first = item.samples[0];
    const seconds = (now - first.time) / 1000;
    if (remaining <= 0) {
      // All bytes are handed to the network; the store may still be reading and checking them.
      parts.push("waiting for the storage");
    } else if (seconds > 0.5 && sent > first.loaded) {
      const speed = (sent - first.loaded) / seconds;
      parts.push(`${formatSize(speed)}/s`, `${formatDuration(remaining / speed)} left`);
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
      await sleep(COMPLETE_RETRY_DELAY_MS);
      return api(path, { method: "POST", body: {} });
    }
  }

  /** Tells the server to forget a pending upload (best effort: pending uploads expire anyway). */
  function releasePending(item) {
    const id = item.id;
    item.id = null;
    if (!id) return;
    forgetResumable(item.fingerprint, id);
    api(uploadPath(id), { method: "DELETE" }).catch(() => {
      // Nothing to show: the row already says what went wrong, and pending uploads expire.
    });
  }

  function cancel(item) {
    if (item.state !== "queued" && item.state !== "uploading" && item.state !== "paused") return;
    setState(item, "cancelled");
    if (item.abort) item.abort.abort(); // presign or parts in flight
    if (item.xhr) item.xhr.abort();
    releasePending(item); // a large file's parts go with it (the server aborts the upload)
    pump();
  }

  /** Stops a large file's parts in flight; the parts the store accepted stay for resume(). */
  function pause(item) {
    if (item.state !== "uploading" || !item.multipart) return;
    setState(item, "paused");
    if (item.abort) item.abort.abort();
    item.row.resume.focus(); // the Pause button just went away
    pump();
  }

  /** Queues a paused large file again: it asks which parts are stored and sends the others. */
  function resume(item) {
    if (item.state !== "paused") return;
    setState(item, "queued");
    pump();
    (item.row.pause.hidden ? item.row.cancel : item.row.pause).focus();
  }

  /**
   * Starts over with a fresh presign (an old URL may have expired or be for a removed object),
   * except for a large file the server still holds: that one sends only its missing parts.
   */
  function retry(item) {
    if (item.state !== "failed" && item.state !== "cancelled") return;
    if (!item.id) {
      item.multipart = null;
      item.loaded = 0;
    }
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
    const paused = counted.filter((item) => item.state === "paused").length;
    const allDone = sending.length > 0 && sending.every((item) => item.state === "done");
    const fraction = total ? loaded / total : (allDone ? 1 : 0);
    el.overall.max = 1;
    el.overall.value = fraction;
    let text = `${done} of ${counted.length} ${counted.length === 1 ? "file" : "files"} done · ${Math.floor(fraction * 100)}%`;
    if (paused) text += ` · ${paused} paused`;
    if (failed) text += ` · ${failed} failed`;
    el.overallText.textContent = counted.length ? text : "Nothing to upload.";
    el.clearFinished.hidden = !items.some((item) => FINAL_STATES.has(item.state));
  }

  // ---------------------------------------------------------------------------------------
  // Large files: presigned multipart uploads
  //
  // Part n covers bytes [(n - 1) · partSize, min(n · partSize, size)). Each part carries the
  // SHA-256 of its bytes, signed into its URL, so the store refuses a part that arrived
  // different. Parts are hashed ahead of sending, signed in batches, and sent PARALLEL_PARTS
  // at a time; the bar counts only the parts the store accepted.

  /** A large file's plan, with what this page knows of it: checksums, URLs, stored parts. */
  function plan(multipart, size) {
    return {
      size,
      partSize: Number(multipart.partSize),
      partCount: Number(multipart.partCount),
      stored: new Map(), // part number → its size, for parts the store holds
      checksums: new Map(), // part number → base64 SHA-256
      urls: new Map(), // part number → { url, headers, staleAt }
    };
  }

  function partBlob(file, mp, n) {
    return file.slice((n - 1) * mp.partSize, Math.min(n * mp.partSize, mp.size));
  }

  const partLength = (mp, n) => Math.min(n * mp.partSize, mp.size) - (n - 1) * mp.partSize;

  function storedBytes(mp) {
    let bytes = 0;
    for (const size of mp.stored.values()) bytes += size;
    return bytes;
  }

  function missingParts(mp) {
    const missing = [];
    for (let n = 1; n <= mp.partCount; n += 1) if (!mp.stored.has(n)) missing.push(n);
    return missing;
  }

  /**
   * Sends the parts the store lacks. An upload that was not just created (resumed after a
   * pause, a failure or a reload) first asks the server which parts the store holds.
   */
  async function sendLargeFile(item, resuming) {
    if (!window.crypto || !window.crypto.subtle) {
      // Web Crypto exists only in secure contexts: https, or http on localhost.
      throw new Error("Large files need this page over https: the browser computes their checksums only there.");
    }
    const controller = new AbortController();
    item.abort = controller;
    if (resuming) {
      await syncParts(item, controller.signal);
      const mp = item.multipart;
      const message = `Resuming: ${mp.stored.size} of ${mp.partCount} parts already stored`;
      item.row.detail.textContent = message;
      announce(`${item.file.name}: ${message}`);
    }
    await sendParts(item, missingParts(item.multipart), controller);
  }

  /** Asks the server which parts the store holds; those of the planned length count as sent. */
  async function syncParts(item, signal) {
    const mp = item.multipart;
    const answer = await api(`${uploadPath(item.id)}/parts`, { signal });
    mp.stored.clear();
    for (const part of (answer && answer.parts) || []) {
      const n = Number(part.partNumber);
      if (n >= 1 && n <= mp.partCount && Number(part.size) === partLength(mp, n)) mp.stored.set(n, Number(part.size));
    }
    item.loaded = storedBytes(mp);
    item.row.bar.value = item.loaded;
    updateOverall();
  }

  /**
   * Sends parts numbers, PARALLEL_PARTS at a time. The first part that fails for good stops
   * the others (through controller) and is what this rejects with.
   */
  async function sendParts(item, numbers, controller) {
    const job = {
      item,
      mp: item.multipart,
      signal: controller.signal,
      queue: numbers,
      next: 0, // index in queue of the next part to start
      inflight: new Map(), // part number → bytes of it handed to the network so far
      sent: 0, // bytes handed to the network by this job, parts sent again included: the speed
      hashing: new Map(), // part number → promise of its checksum
      hashTail: Promise.resolve(),
      signing: null, // the signing request in flight
    };
    item.samples = [{ time: performance.now(), loaded: 0 }];
    const workers = [];
    for (let i = 0; i < Math.min(PARALLEL_PARTS, numbers.length); i += 1) workers.push(partWorker(job));
    try {
      await Promise.all(workers);
    } catch (error) {
      controller.abort();
      throw error;
    }
  }

  async function partWorker(job) {
    while (job.next < job.queue.length) {
      job.signal.throwIfAborted();
      const index = job.next;
      job.next += 1;
      // Hash ahead of the senders, so that one signing request covers many parts.
      for (const n of job.queue.slice(index, index + SIGN_BATCH)) checksum(job, n);
      await sendPart(job, job.queue[index]);
    }
  }

  /**
   * PUTs one part. A network error or a 5xx is tried again after 1, 2, then 4 s; a 403 (its
   * URL expired) is signed anew and tried again; anything else fails the upload.
   */
  async function sendPart(job, n) {
    const { mp, signal } = job;
    const blob = partBlob(job.item.file, mp, n);
    for (let retries = 0; ; retries += 1) {
      const signed = await signedPart(job, n);
      const xhr = await putPart(job, n, blob, signed);
      if (xhr.status >= 200 && xhr.status < 300) {
        mp.stored.set(n, blob.size);
        showPartProgress(job);
        return;
      }
      const network = xhr.status === 0;
      if (retries >= PART_RETRIES || !(network || xhr.status === 403 || xhr.status >= 500)) {
        throw new Error(network ? networkErrorMessage() : storageRefusal(xhr));
      }
      if (xhr.status === 403) mp.urls.delete(n);
      else await sleep(PART_RETRY_DELAY_MS * 2 ** retries, signal);
    }
  }

  /** Resolves with the finished XHR (status 0 for a network error); rejects only when aborted. */
  function putPart(job, n, blob, signed) {
    return new Promise((resolve, reject) => {
      job.signal.throwIfAborted();
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", signed.url);
      xhr.withCredentials = false;
      setSignedHeaders(xhr, signed.headers);
      const stop = () => xhr.abort();
      job.signal.addEventListener("abort", stop, { once: true });
      let reported = 0;
      job.inflight.set(n, 0);
      xhr.upload.addEventListener("progress", (event) => {
        job.sent += event.loaded - reported;
        reported = event.loaded;
        job.inflight.set(n, event.loaded);
        showPartProgress(job);
      });
      const settle = () => {
        job.signal.removeEventListener("abort", stop);
        job.inflight.delete(n);
      };
      xhr.addEventListener("load", () => { settle(); resolve(xhr); });
      xhr.addEventListener("error", () => { settle(); resolve(xhr); });
      xhr.addEventListener("abort", () => { settle(); reject(abortError()); });
      xhr.send(blob);
    });
  }

  function showPartProgress(job) {
    const { item, mp } = job;
    const stored = storedBytes(mp);
    let inflight = 0;
    for (const bytes of job.inflight.values()) inflight += bytes;
    showProgress(item, stored, job.sent, mp.size - stored - inflight);
  }

  /** The base64 SHA-256 of part n: computed once, one part at a time, in the order asked. */
  function checksum(job, n) {
    const { mp } = job;
    const known = mp.checksums.get(n);
    if (known) return Promise.resolve(known);
    let pending = job.hashing.get(n);
    if (!pending) {
      pending = job.hashTail.then(async () => {
        job.signal.throwIfAborted();
        let bytes;
        try {
          bytes = await partBlob(job.item.file, mp, n).arrayBuffer();
        } catch {
          throw new Error("The file can no longer be read: it may have been changed or moved. Choose it again.");
        }
        const digest = new Uint8Array(await window.crypto.subtle.digest("SHA-256", bytes));
        const value = btoa(String.fromCharCode(...digest));
        mp.checksums.set(n, value);
        return value;
      });
      job.hashing.set(n, pending);
      // The next part waits for this one whatever its outcome; a failed one may be asked again.
      job.hashTail = pending.then(() => {}, () => { job.hashing.delete(n); });
    }
    return pending;
  }

  const isFresh = (signed) => Boolean(signed) && Date.now() < signed.staleAt;

  /** A URL for part n that has not expired, asking the server for one when needed. */
  async function signedPart(job, n) {
    for (;;) {
      const signed = job.mp.urls.get(n);
      if (isFresh(signed)) return signed;
      if (job.signing) {
        // Another part's request may sign this one too; if not, the next turn asks.
        await job.signing.catch(() => {});
        job.signal.throwIfAborted();
        continue;
      }
      job.signing = signParts(job, n);
      try {
        await job.signing;
      } finally {
        job.signing = null;
      }
      const answered = job.mp.urls.get(n);
      if (!answered) throw new Error(`The server did not sign part ${n}.`);
      return answered;
    }
  }

  /**
   * Signs part n and, in the same request, the parts waiting to be sent whose checksums are
   * known (up to SIGN_BATCH). It first waits for the checksums of the parts the other workers
   * are about to send, so that a single request starts them all.
   */
  async function signParts(job, n) {
    const { mp } = job;
    const waiting = job.queue.filter((p) => p !== n && !mp.stored.has(p) && !isFresh(mp.urls.get(p)));
    await Promise.all([n, ...waiting.slice(0, PARALLEL_PARTS - 1)].map((p) => checksum(job, p)));
    const numbers = [n, ...waiting.filter((p) => mp.checksums.has(p))].slice(0, SIGN_BATCH);
    const answer = await api(`${uploadPath(job.item.id)}/parts`, {
      method: "POST",
      body: { parts: numbers.map((p) => ({ partNumber: p, checksumSha256: mp.checksums.get(p) })) },
      signal: job.signal,
    });
    // URLs are signed again a little before they expire. A clock that disagrees with the
    // server's would make them all look expired: then only a 403 from the store re-signs.
    const expires = Date.parse(answer.expiresAt) - URL_MARGIN_MS;
    const staleAt = expires > Date.now() ? expires : Infinity;
    for (const part of answer.parts || []) {
      mp.urls.set(Number(part.partNumber), { url: part.url, headers: part.headers || {}, staleAt });
    }
  }

  /**
   * Asks the server to assemble the parts. A 409 means that the store lacks some (lost, or
   * not visible yet): those are sent again, then it is asked again, a few times at most.
   */
  async function completeLargeFile(item) {
    const path = `${uploadPath(item.id)}/complete`;
    for (let round = 1; ; round += 1) {
      try {
        return await api(path, { method: "POST", body: {} });
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 409 || round >= COMPLETE_ROUNDS) throw error;
      }
      const controller = new AbortController();
      item.abort = controller;
      await syncParts(item, controller.signal);
      const missing = missingParts(item.multipart);
      if (missing.length === 0) {
        await sleep(COMPLETE_RETRY_DELAY_MS, controller.signal);
        continue;
      }
      setState(item, "uploading", `The storage lacks ${missing.length} of ${item.multipart.partCount} parts: sending them again…`);
      await sendParts(item, missing, controller);
      if (item.state !== "uploading") throw abortError();
      setState(item, "verifying");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Resume after a reload: the page remembers which upload holds the parts of which file.

  /** The same file chosen again: same name, size and last change. */
  function fingerprint(file) {
    return JSON.stringify([file.name, file.size, file.lastModified]);
  }

  function readResumables() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(RESUME_KEY) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch {
      return {}; // storage disabled or unreadable: nothing to resume
    }
  }

  function writeResumables(saved) {
    try {
      if (Object.keys(saved).length) window.localStorage.setItem(RESUME_KEY, JSON.stringify(saved));
      else window.localStorage.removeItem(RESUME_KEY);
    } catch {
      // Storage full or disabled: the upload goes on, it just cannot resume after a reload.
    }
  }

  function rememberResumable(key, id) {
    const saved = readResumables();
    const now = Date.now();
    for (const [other, entry] of Object.entries(saved)) {
      if (!(entry && now - entry.savedAt < RESUME_MAX_AGE_MS)) delete saved[other];
    }
    saved[key] = { id, savedAt: now };
    writeResumables(saved);
  }

  function forgetResumable(key, id) {
    const saved = readResumables();
    if (!saved[key] || saved[key].id !== id) return;
    delete saved[key];
    writeResumables(saved);
  }

  /** The unfinished upload of this file that the server still lists, or null. */
  async function findResumable(item, signal) {
    const saved = readResumables()[item.fingerprint];
    if (!saved || !saved.id) return null;
    // The same file added twice: the other row already sends it.
    if (items.some((other) => other !== item && other.id === saved.id)) return null;
    let answer;
    try {
      answer = await api("api/uploads?status=pending", { signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      return null; // the presign that follows says what is wrong
    }
    const upload = ((answer && answer.uploads) || []).find((candidate) => candidate.id === saved.id);
    if (upload && upload.multipart && Number(upload.size) === item.file.size) return upload;
    // Not among this server's pending uploads: behind a load balancer another instance may
    // have started it, and any instance can answer for its parts.
    try {
      const stored = await api(`api/uploads/${encodeURIComponent(saved.id)}/parts`, { signal });
      if (stored && stored.partSize && stored.partCount) {
        return { id: saved.id, multipart: { partSize: stored.partSize, partCount: stored.partCount } };
      }
    } catch (error) {
      if (error.name === "AbortError") throw error;
      if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) return null;
    }
    forgetResumable(item.fingerprint, saved.id); // finished, cancelled or expired meanwhile
    return null;
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
