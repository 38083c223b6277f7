/*
 * The direct-upload client: speaks the app's HTTP API (README, "HTTP API") and the presigned
 * PUTs to the bucket, with no DOM, so any page, even on another origin, can upload with it:
 *
 *   import { createClient } from "https://app.example.com/direct-upload/js/client.js";
 *   const client = createClient();
 *   const stored = await client.upload(file, { onProgress: (p) => show(p.loaded / p.total) });
 *
 * One PUT for a file below the server's multipart threshold; above it, parts sent
 * PARALLEL_PARTS at a time, each with its SHA-256 (Web Crypto) signed into its URL, signed in
 * batches, retried with backoff, signed again when their URL expired. An upload stopped with
 * its signal keeps what the store holds: upload() with the same file continues it, in this page
 * or (for a file sent in parts) after a reload. cancel() drops it on the server too.
 *
 * Every failure is an ApiError with the API's {code, message} (and the HTTP status, 0 when
 * there was no answer); a stopped upload rejects with the signal's AbortError.
 */
import { formatSize } from "./format.js";
import { contentTypeFor, extensionOf, isTypeAllowed } from "./types.js";

/** How many parts of one file are sent at once. */
const PARALLEL_PARTS = 4;
/** The most part numbers one signing request asks for (the server's limit). */
const SIGN_BATCH = 100;
/** A part that meets a network error, a 5xx or an expired URL is sent again this many times. */
const PART_RETRIES = 3;
/** The wait before a part is sent again, doubled for each further try: 1 s, 2 s, 4 s. */
const PART_RETRY_DELAY_MS = 1000;
/** A URL this close to its expiry is signed anew rather than sent to be refused. */
const URL_MARGIN_MS = 30_000;
/** How often a large file's "complete" may find parts missing, sending them again each time. */
const COMPLETE_ROUNDS = 3;
/** A 409 from "complete" right after a successful PUT is asked again once after this delay. */
const COMPLETE_RETRY_DELAY_MS = 1000;
/** Remembered unfinished uploads older than this are dropped (the server forgets them sooner). */
const RESUME_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** Headers the browser sets itself; setting them from script only logs a console error. */
const FORBIDDEN_HEADERS = new Set(["content-length", "host"]);

/** An error answered by the API, or met on the way, with a message fit for people. */
export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status, 0 when nothing answered or nothing was asked
   * @param {string} code the API's error code (README), or one of the client's own:
   *     NETWORK (the app did not answer), STORE_NETWORK (the bucket did not answer: CORS, or
   *     the connection), STORE_REFUSED (the bucket answered an error), FILE_TOO_LARGE and
   *     TYPE_NOT_ALLOWED (refused before any request), INSECURE_CONTEXT, FILE_UNREADABLE,
   *     BAD_ANSWER
   */
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** The error an upload rejects with when its signal (or cancel()) stops it. */
const abortError = (reason) => (reason instanceof Error && reason.name === "AbortError"
  ? reason
  : new DOMException("The upload was stopped.", "AbortError"));

/** Web Storage, when the page may use it; else a map that lasts as long as the page. */
function defaultStorage() {
  try {
    const storage = globalThis.localStorage;
    if (storage) return storage;
  } catch {
    // Disabled (a sandboxed frame, or cookies blocked): uploads still resume until a reload.
  }
  const map = new Map();
  return {
    getItem: (key) => (map.has(key) ? map.get(key) : null),
    setItem: (key, value) => map.set(key, String(value)),
    removeItem: (key) => map.delete(key),
  };
}

/**
 * A client of the app at {@code endpoint}: the URL the app is deployed at, e.g.
 * "https://app.example.com/direct-upload/". It defaults to the app this module was loaded from.
 * {@code storage} (Web Storage's getItem/setItem/removeItem) is where unfinished uploads are
 * remembered to resume after a reload; it defaults to localStorage.
 */
export function createClient({ endpoint = new URL("../", import.meta.url), storage = defaultStorage() } = {}) {
  const base = new URL(endpoint, globalThis.location ? globalThis.location.href : undefined);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const resumeKey = `direct-upload:resume:${new URL("api/", base).href}`;
  /** File (or Blob) → what this client knows of its upload, while it can still be continued. */
  const sessions = new WeakMap();
  /** Ids of the uploads running now, so one remembered upload is never sent by two callers. */
  const running = new Set();
  let configPromise = null;

  // ---------------------------------------------------------------------------------------
  // The JSON API

  /**
   * Calls the API. Resolves with the parsed body (null for 204), rejects with an ApiError
   * carrying the server's own code and message, or with an AbortError when stopped.
   */
  async function api(path, { method = "GET", body, signal } = {}) {
    const init = {
      method,
      headers: { Accept: "application/json" },
      cache: "no-store",
      // The same as "same-origin" for a page of the app; a page of another origin sends the
      // user's cookies too, which the app allows for the origins in its allowed-origins.
      credentials: "include",
      signal,
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(new URL(path, base), init);
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

  const uploadPath = (id) => `api/uploads/${encodeURIComponent(id)}`;

  /** The server's limits, read once (again with {refresh: true}, e.g. for the quota). */
  function config({ refresh = false } = {}) {
    if (!configPromise || refresh) {
      const loading = api("api/config").then(normaliseConfig);
      // A failed read is not kept: the next call asks again.
      loading.catch(() => { if (configPromise === loading) configPromise = null; });
      configPromise = loading;
    }
    return configPromise;
  }

  /** One page of the caller's files, newest first. {complete: false} while the server is still indexing. */
  async function files({ limit, cursor, signal } = {}) {
    const params = new URLSearchParams();
    if (limit) params.set("limit", String(limit));
    if (cursor) params.set("cursor", cursor);
    const query = params.toString();
    const page = await api(`api/files${query ? `?${query}` : ""}`, { signal });
    return {
      files: ((page && page.files) || []).map(normaliseFile),
      nextCursor: (page && page.nextCursor) || null,
      complete: !(page && page.complete === false),
    };
  }

  /** The caller's unfinished uploads: {id, key, name, size, contentType, createdAt, expiresAt, multipart}. */
  async function pending({ signal } = {}) {
    const answer = await api("api/uploads?status=pending", { signal });
    return (answer && answer.uploads) || [];
  }

  /** The plan of an unfinished multipart upload and the parts the store holds: {partSize, partCount, parts: [{partNumber, size, etag}]}. */
  async function parts(id, { signal } = {}) {
    const answer = await api(`${uploadPath(id)}/parts`, { signal });
    return { ...answer, parts: (answer && answer.parts) || [] };
  }

  /** Deletes a stored file (or drops an unfinished upload) by id. */
  async function deleteFile(id) {
    await api(uploadPath(id), { method: "DELETE" });
    forgetId(id);
  }

  /**
   * What api/health says: {httpStatus, status, problem, cors, ...}; null when the app did not
   * answer or answered something else than JSON.
   */
  async function health() {
    let response;
    try {
      response = await fetch(new URL("api/health", base), {
        headers: { Accept: "application/json" }, cache: "no-store", credentials: "include",
      });
    } catch {
      return null;
    }
    const data = await readJson(response);
    return data && typeof data === "object" ? { ...data, httpStatus: response.status } : null;
  }

  // ---------------------------------------------------------------------------------------
  // Checks before any request

  /**
   * The type {@code file} would be sent as ({@code declared}, else the one its name and the
   * browser's type say: see types.js), and why it would be refused before any request (an
   * ApiError FILE_TOO_LARGE or TYPE_NOT_ALLOWED), or null: {contentType, error}.
   */
  function check(file, limits, declared) {
    const contentType = declared || contentTypeFor(file.name, file.type, limits);
    let error = null;
    if (file.size > limits.maxFileSize) {
      const limit = limits.maxFileSizeText || formatSize(limits.maxFileSize);
      error = new ApiError(0, "FILE_TOO_LARGE", `Too large: ${formatSize(file.size)}, the limit is ${limit}.`);
    } else if (!isTypeAllowed(contentType, limits.allowedTypes)) {
      const shown = contentType === "application/octet-stream" && extensionOf(file.name)
        ? `.${extensionOf(file.name)}` : contentType;
      error = new ApiError(0, "TYPE_NOT_ALLOWED", `The type ${shown} is not allowed.`);
    }
    return { contentType, error };
  }

  // ---------------------------------------------------------------------------------------
  // Uploading

  /**
   * Uploads {@code file} (a File, or a Blob with a name) and resolves with the stored file as
   * the files list shows it. Options:
   *  - signal: stops the upload; what the store holds is kept, and upload() with the same file
   *    continues it (a single PUT starts again from its first byte);
   *  - onProgress({loaded, total, sent, stored, partCount, partsStored, partsInFlight}):
   *    loaded counts the bytes sent, parts in flight included, and never goes back within one
   *    call; stored counts those the store confirmed; sent counts every byte handed to the
   *    network, resent ones included (for a speed);
   *  - onStatus({state, ...}): "started" {id, multipart}, "resuming" {partsStored, partCount,
   *    bytesStored}, "resending" {missing, partCount}, "verifying";
   *  - contentType: the type to declare, instead of the one check() chooses; it must be allowed.
   */
  async function upload(file, { signal, onProgress, onStatus, contentType } = {}) {
    const limits = await config();
    const checked = check(file, limits, contentType);
    if (checked.error) throw checked.error;
    let session = sessions.get(file);
    if (session && session.controller) {
      throw new ApiError(0, "ALREADY_RUNNING", "This file is already being uploaded.");
    }
    if (!session) {
      session = { file, fingerprint: fingerprint(file), id: null, presign: null, plan: null };
      sessions.set(file, session);
    }
    session.contentType = checked.contentType;
    session.cancelled = false;
    const controller = new AbortController();
    session.controller = controller;
    const stop = () => controller.abort(signal.reason);
    if (signal) {
      if (signal.aborted) stop();
      else signal.addEventListener("abort", stop, { once: true });
    }
    const job = {
      session,
      signal: controller.signal,
      status: (event) => { if (onStatus) onStatus(event); },
      progress: onProgress || (() => {}),
      floor: 0, // the most "loaded" reported: it never goes back within this call
      sent: 0,
    };
    try {
      controller.signal.throwIfAborted();
      if (!session.id) await start(job);
      job.runningId = session.id;
      running.add(job.runningId);
      const stored = session.plan ? await sendLargeFile(job) : await sendWhole(job);
      forgetResumable(session.fingerprint, session.id);
      sessions.delete(file);
      return normaliseFile(stored);
    } catch (error) {
      if (session.cancelled) {
        await release(session);
        throw abortError(controller.signal.reason);
      }
      if (controller.signal.aborted) throw abortError(controller.signal.reason); // kept for later
      if (error instanceof ApiError && (error.status === 404 || error.status === 422)) {
        // The server has dropped the upload (unknown, or the object differed and was removed).
        forgetResumable(session.fingerprint, session.id);
        sessions.delete(file);
      } else if (!session.plan) {
        // A failed PUT leaves nothing worth keeping: the server may forget it now.
        sessions.delete(file);
        release(session);
      }
      // A large file's stored parts stay: upload() with the same file sends only the others.
      throw error;
    } finally {
      running.delete(job.runningId);
      session.controller = null;
      if (signal) signal.removeEventListener("abort", stop);
    }
  }

  /**
   * Stops the upload of {@code target} (the file given to upload(), or an upload id) and tells
   * the server to drop it: a multipart upload's stored parts are freed. Best effort: an
   * unfinished upload the server is not told about expires on its own.
   */
  async function cancel(target) {
    if (typeof target === "string") {
      forgetId(target);
      await api(uploadPath(target), { method: "DELETE" }).catch(() => {});
      return;
    }
    const session = sessions.get(target);
    if (!session) {
      const saved = readResumables()[fingerprint(target)];
      if (saved && saved.id) await cancel(saved.id);
      return;
    }
    sessions.delete(target);
    session.cancelled = true;
    // A running upload releases itself as it stops (its id may not be known yet).
    if (session.controller) session.controller.abort();
    else await release(session);
  }

  /** The id of the unfinished upload of this file that this browser remembers, or null. */
  function resumeId(file) {
    const saved = readResumables()[fingerprint(file)];
    return saved && saved.id ? saved.id : null;
  }

  /**
   * Continues the unfinished upload of the same file that a reload left behind, when the
   * server still has it; otherwise asks for a new upload.
   */
  async function start(job) {
    const { session, signal } = job;
    const { file } = session;
    session.plan = null;
    const earlier = await findResumable(session, signal);
    if (earlier) {
      session.id = earlier.id;
      session.plan = plan(earlier.multipart, file.size);
      session.resuming = true;
      job.status({ state: "started", id: session.id, multipart: { ...earlier.multipart } });
      return;
    }
    const answer = await api("api/uploads", {
      method: "POST",
      body: { filename: file.name, contentType: session.contentType, size: file.size },
      signal,
    });
    session.id = answer.id;
    if (answer.multipart) {
      session.plan = plan(answer.multipart, file.size);
      rememberResumable(session.fingerprint, session.id);
    } else {
      session.presign = answer;
    }
    job.status({ state: "started", id: session.id, multipart: answer.multipart ? { ...answer.multipart } : null });
  }

  /** Tells the server to forget an unfinished upload (best effort: they expire anyway). */
  function release(session) {
    const id = session.id;
    session.id = null;
    if (!id) return Promise.resolve();
    forgetResumable(session.fingerprint, id);
    return api(uploadPath(id), { method: "DELETE" }).then(() => {}, () => {});
  }

  // ---------------------------------------------------------------------------------------
  // One PUT

  /** PUTs the whole file, then asks the server to verify it. */
  async function sendWhole(job) {
    const { session } = job;
    let presign = session.presign;
    if (!presign || !presign.url) throw new ApiError(0, "BAD_ANSWER", "The server answered without an upload URL.");
    if (Date.parse(presign.expiresAt) - URL_MARGIN_MS < Date.now()) {
      // Stopped long ago: its URL is about to expire. A new upload replaces the old one.
      await release(session);
      session.presign = null;
      await start(job);
      presign = session.presign;
    }
    job.status({ state: "uploading" });
    const total = session.file.size;
    const xhr = await put(presign.method || "PUT", presign.url, presign.headers, session.file, job.signal, (loaded) => {
      job.sent = loaded;
      report(job, loaded, 0, null);
    });
    // 412: the object is already there (a PUT sent again after its first try got through
    // unseen, with if-none-match: *). Only if complete then fails is it an error.
    const alreadyThere = xhr.status === 412;
    if (!(xhr.status >= 200 && xhr.status < 300) && !alreadyThere) throw storeError(xhr);
    report(job, total, total, null);
    job.status({ state: "verifying" });
    try {
      return await completeWhole(session, job.signal);
    } catch (error) {
      if (alreadyThere && error instanceof ApiError && error.status === 409) throw storeError(xhr);
      throw error;
    }
  }

  /** Asks the server to verify the stored object; one retry covers a store that lags a moment. */
  async function completeWhole(session, signal) {
    const path = `${uploadPath(session.id)}/complete`;
    try {
      return await api(path, { method: "POST", body: {}, signal });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 409) throw error;
      await sleep(COMPLETE_RETRY_DELAY_MS, signal);
      return api(path, { method: "POST", body: {}, signal });
    }
  }

  /** Reports progress; "loaded" never goes back within one upload() call. */
  function report(job, loaded, stored, parts) {
    const total = job.session.file.size;
    job.floor = Math.min(total, Math.max(job.floor, loaded));
    job.progress({
      loaded: job.floor,
      total,
      sent: job.sent,
      stored,
      partCount: parts ? parts.partCount : null,
      partsStored: parts ? parts.partsStored : null,
      partsInFlight: parts ? parts.partsInFlight : null,
    });
  }

  // ---------------------------------------------------------------------------------------
  // Large files: presigned multipart uploads
  //
  // Part n covers bytes [(n - 1) · partSize, min(n · partSize, size)). Each part carries the
  // SHA-256 of its bytes, signed into its URL, so the store refuses a part that arrived
  // different. Parts are hashed ahead of sending, signed in batches, and sent PARALLEL_PARTS
  // at a time.

  /** A large file's plan, with what this client knows of it: checksums, URLs, stored parts. */
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

  const partBlob = (file, mp, n) => file.slice((n - 1) * mp.partSize, Math.min(n * mp.partSize, mp.size));
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
   * Sends the parts the store lacks, then asks the server to join them. An upload that was not
   * just created (stopped, failed, or found after a reload) first asks which parts are stored.
   */
  async function sendLargeFile(job) {
    if (!globalThis.crypto || !globalThis.crypto.subtle) {
      // Web Crypto exists only in secure contexts: https, or http on localhost.
      throw new ApiError(0, "INSECURE_CONTEXT", "Large files need this page over https: the browser computes their checksums only there.");
    }
    const { session } = job;
    const mp = session.plan;
    const resuming = session.resuming || mp.stored.size > 0 || mp.urls.size > 0;
    session.resuming = true; // from now on, a new call asks the store first
    if (resuming) {
      await syncParts(job);
      job.status({ state: "resuming", partsStored: mp.stored.size, partCount: mp.partCount, bytesStored: storedBytes(mp) });
    } else {
      reportParts(job, new Map());
    }
    job.status({ state: "uploading" });
    await sendParts(job, missingParts(mp));
    job.status({ state: "verifying" });
    return completeLargeFile(job);
  }

  /** Asks the server which parts the store holds; those of the planned length count as sent. */
  async function syncParts(job) {
    const { session } = job;
    const mp = session.plan;
    const answer = await api(`${uploadPath(session.id)}/parts`, { signal: job.signal });
    mp.stored.clear();
    for (const part of (answer && answer.parts) || []) {
      const n = Number(part.partNumber);
      if (n >= 1 && n <= mp.partCount && Number(part.size) === partLength(mp, n)) mp.stored.set(n, Number(part.size));
    }
    reportParts(job, new Map());
  }

  function reportParts(job, inflight) {
    const mp = job.session.plan;
    const stored = storedBytes(mp);
    let moving = 0;
    for (const bytes of inflight.values()) moving += bytes;
    report(job, stored + moving, stored, {
      partCount: mp.partCount, partsStored: mp.stored.size, partsInFlight: inflight.size,
    });
  }

  /**
   * Sends parts {@code numbers}, PARALLEL_PARTS at a time. The first part that fails for good
   * stops the others and is what this rejects with.
   */
  async function sendParts(job, numbers) {
    const parts = {
      job,
      mp: job.session.plan,
      file: job.session.file,
      queue: numbers,
      next: 0, // index in queue of the next part to start
      inflight: new Map(), // part number → bytes of it handed to the network so far
      hashing: new Map(), // part number → promise of its checksum
      hashTail: Promise.resolve(),
      signing: null, // the signing request in flight
      controller: new AbortController(),
    };
    const stopParts = () => parts.controller.abort(job.signal.reason);
    job.signal.addEventListener("abort", stopParts, { once: true });
    parts.signal = parts.controller.signal;
    const workers = [];
    for (let i = 0; i < Math.min(PARALLEL_PARTS, numbers.length); i += 1) workers.push(partWorker(parts));
    try {
      await Promise.all(workers);
    } catch (error) {
      parts.controller.abort(error);
      job.signal.throwIfAborted();
      throw error;
    } finally {
      job.signal.removeEventListener("abort", stopParts);
    }
  }

  async function partWorker(parts) {
    while (parts.next < parts.queue.length) {
      parts.signal.throwIfAborted();
      const index = parts.next;
      parts.next += 1;
      // Hash ahead of the senders, so that one signing request covers many parts.
      for (const n of parts.queue.slice(index, index + SIGN_BATCH)) checksum(parts, n).catch(() => {});
      await sendPart(parts, parts.queue[index]);
    }
  }

  /**
   * PUTs one part. A network error or a 5xx is tried again after 1, 2, then 4 s; a 403 (its
   * URL expired) is signed anew and tried again; anything else fails the upload.
   */
  async function sendPart(parts, n) {
    const { mp, signal, job } = parts;
    const blob = partBlob(parts.file, mp, n);
    for (let retries = 0; ; retries += 1) {
      const signed = await signedPart(parts, n);
      let reported = 0;
      parts.inflight.set(n, 0);
      let xhr;
      try {
        xhr = await put("PUT", signed.url, signed.headers, blob, signal, (loaded) => {
          job.sent += loaded - reported;
          reported = loaded;
          parts.inflight.set(n, loaded);
          reportParts(job, parts.inflight);
        });
      } finally {
        parts.inflight.delete(n);
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        mp.stored.set(n, blob.size);
        reportParts(job, parts.inflight);
        return;
      }
      const network = xhr.status === 0;
      if (retries >= PART_RETRIES || !(network || xhr.status === 403 || xhr.status >= 500)) throw storeError(xhr);
      if (xhr.status === 403) mp.urls.delete(n);
      else await sleep(PART_RETRY_DELAY_MS * 2 ** retries, signal);
    }
  }

  /** The base64 SHA-256 of part n: computed once, one part at a time, in the order asked. */
  function checksum(parts, n) {
    const { mp } = parts;
    const known = mp.checksums.get(n);
    if (known) return Promise.resolve(known);
    let pending = parts.hashing.get(n);
    if (!pending) {
      pending = parts.hashTail.then(async () => {
        parts.signal.throwIfAborted();
        let bytes;
        try {
          bytes = await partBlob(parts.file, mp, n).arrayBuffer();
        } catch {
          throw new ApiError(0, "FILE_UNREADABLE", "The file can no longer be read: it may have been changed or moved. Choose it again.");
        }
        const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
        const value = btoa(String.fromCharCode(...digest));
        mp.checksums.set(n, value);
        return value;
      });
      parts.hashing.set(n, pending);
      // The next part waits for this one whatever its outcome; a failed one may be asked again.
      parts.hashTail = pending.then(() => {}, () => { parts.hashing.delete(n); });
    }
    return pending;
  }

  const isFresh = (signed) => Boolean(signed) && Date.now() < signed.staleAt;

  /** A URL for part n that has not expired, asking the server for one when needed. */
  async function signedPart(parts, n) {
    for (;;) {
      const signed = parts.mp.urls.get(n);
      if (isFresh(signed)) return signed;
      if (parts.signing) {
        // Another part's request may sign this one too; if not, the next turn asks.
        await parts.signing.catch(() => {});
        parts.signal.throwIfAborted();
        continue;
      }
      parts.signing = signParts(parts, n);
      try {
        await parts.signing;
      } finally {
        parts.signing = null;
      }
      const answered = parts.mp.urls.get(n);
      if (!answered) throw new ApiError(0, "BAD_ANSWER", `The server did not sign part ${n}.`);
      return answered;
    }
  }

  /**
   * Signs part n and, in the same request, the parts waiting to be sent whose checksums are
   * known (up to SIGN_BATCH). It first waits for the checksums of the parts the other workers
   * are about to send, so that a single request starts them all.
   */
  async function signParts(parts, n) {
    const { mp } = parts;
    const waiting = parts.queue.filter((p) => p !== n && !mp.stored.has(p) && !isFresh(mp.urls.get(p)));
    await Promise.all([n, ...waiting.slice(0, PARALLEL_PARTS - 1)].map((p) => checksum(parts, p)));
    const numbers = [n, ...waiting.filter((p) => mp.checksums.has(p))].slice(0, SIGN_BATCH);
    const answer = await api(`${uploadPath(parts.job.session.id)}/parts`, {
      method: "POST",
      body: { parts: numbers.map((p) => ({ partNumber: p, checksumSha256: mp.checksums.get(p) })) },
      signal: parts.signal,
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
   * Asks the server to join the parts. A 409 means that the store lacks some (lost, or not
   * visible yet): those are sent again, then it is asked again, a few times at most.
   */
  async function completeLargeFile(job) {
    const { session, signal } = job;
    const mp = session.plan;
    const path = `${uploadPath(session.id)}/complete`;
    for (let round = 1; ; round += 1) {
      try {
        return await api(path, { method: "POST", body: {}, signal });
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 409 || round >= COMPLETE_ROUNDS) throw error;
      }
      await syncParts(job);
      const missing = missingParts(mp);
      if (missing.length === 0) {
        await sleep(COMPLETE_RETRY_DELAY_MS, signal);
        continue;
      }
      job.status({ state: "resending", missing: missing.length, partCount: mp.partCount });
      await sendParts(job, missing);
      job.status({ state: "verifying" });
    }
  }

  // ---------------------------------------------------------------------------------------
  // Resume after a reload: which upload holds the parts of which file.

  /** The same file chosen again: same name, size and last change. */
  function fingerprint(file) {
    return JSON.stringify([file.name, file.size, file.lastModified]);
  }

  function readResumables() {
    try {
      const saved = JSON.parse(storage.getItem(resumeKey) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch {
      return {}; // storage disabled or unreadable: nothing to resume
    }
  }

  function writeResumables(saved) {
    try {
      if (Object.keys(saved).length) storage.setItem(resumeKey, JSON.stringify(saved));
      else storage.removeItem(resumeKey);
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

  function forgetId(id) {
    const saved = readResumables();
    const keys = Object.keys(saved).filter((key) => saved[key] && saved[key].id === id);
    if (keys.length === 0) return;
    for (const key of keys) delete saved[key];
    writeResumables(saved);
  }

  /** The unfinished upload of this file that the server still has, or null. */
  async function findResumable(session, signal) {
    const saved = readResumables()[session.fingerprint];
    if (!saved || !saved.id) return null;
    // The same file given twice: the other call already sends it.
    if (running.has(saved.id)) return null;
    let uploads = [];
    try {
      uploads = await pending({ signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      return null; // the presign that follows says what is wrong
    }
    const upload = uploads.find((candidate) => candidate.id === saved.id);
    if (upload && upload.multipart && Number(upload.size) === session.file.size) return upload;
    // Not among this server's pending uploads: behind a load balancer another instance may
    // have started it, and any instance can answer for its parts.
    try {
      const stored = await api(`${uploadPath(saved.id)}/parts`, { signal });
      if (stored && stored.partSize && stored.partCount) {
        return { id: saved.id, multipart: { partSize: stored.partSize, partCount: stored.partCount } };
      }
    } catch (error) {
      if (error.name === "AbortError") throw error;
      if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) return null;
    }
    forgetResumable(session.fingerprint, saved.id); // finished, cancelled or expired meanwhile
    return null;
  }

  // ---------------------------------------------------------------------------------------
  // Answers, made uniform

  function normaliseConfig(data) {
    const extensions = data && data.extensions && typeof data.extensions === "object" ? {} : null;
    if (extensions) {
      for (const [type, list] of Object.entries(data.extensions)) {
        if (Array.isArray(list)) {
          extensions[String(type).toLowerCase()] = list.map((e) => String(e).toLowerCase().replace(/^\./, ""));
        }
      }
    }
    const quota = data && data.quota && typeof data.quota === "object" ? {
      usedBytes: Number(data.quota.usedBytes) || 0,
      maxBytes: Number(data.quota.maxBytes) || 0,
      usedFiles: Number(data.quota.usedFiles) || 0,
      maxFiles: Number(data.quota.maxFiles) || 0,
    } : null;
    return {
      maxFileSize: Number(data.maxFileSize),
      maxFileSizeText: typeof data.maxFileSizeText === "string" && data.maxFileSizeText.trim()
        ? data.maxFileSizeText.trim() : null,
      allowedTypes: (data.allowedTypes || []).map((type) => String(type).toLowerCase()),
      extensions,
      urlExpirySeconds: Number(data.urlExpirySeconds),
      multipartThreshold: Number(data.multipartThreshold),
      partSize: Number(data.partSize),
      quota,
    };
  }

  /** A listed file, with its download URL absolute (it is relative to the app). */
  function normaliseFile(file) {
    if (!file || typeof file !== "object") return file;
    let downloadUrl = null;
    try {
      const resolved = file.downloadUrl ? new URL(file.downloadUrl, base) : null;
      // Only http(s): a "javascript:" URL must never become a link.
      if (resolved && (resolved.protocol === "http:" || resolved.protocol === "https:")) downloadUrl = resolved.href;
    } catch {
      downloadUrl = null;
    }
    return { ...file, size: Number(file.size), downloadUrl };
  }

  return {
    endpoint: base.href,
    config,
    check,
    upload,
    cancel,
    resumeId,
    pending,
    parts,
    files,
    delete: deleteFile,
    health,
  };
}

// -----------------------------------------------------------------------------------------
// Talking to the bucket

/** Parses a body as JSON, or returns null: a proxy in front may answer with HTML. */
async function readJson(response) {
  try {
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/**
 * PUTs {@code body} with XHR (fetch still offers no upload progress) and the headers that were
 * signed into the URL, byte for byte. Resolves with the finished XHR, status 0 for a network
 * error; rejects only when {@code signal} stops it.
 */
function put(method, url, headers, body, signal, onProgress) {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.withCredentials = false; // the bucket is another origin; it must get no cookies
    for (const [name, value] of Object.entries(headers || {})) {
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    const stop = () => xhr.abort();
    signal.addEventListener("abort", stop, { once: true });
    const settle = () => signal.removeEventListener("abort", stop);
    xhr.upload.addEventListener("progress", (event) => onProgress(event.loaded));
    xhr.addEventListener("load", () => { settle(); resolve(xhr); });
    xhr.addEventListener("error", () => { settle(); resolve(xhr); });
    xhr.addEventListener("abort", () => { settle(); reject(abortError(signal.reason)); });
    xhr.send(body);
  });
}

/** "The storage refused the upload (HTTP 403: SignatureDoesNotMatch)", from an S3 XML error. */
function storeError(xhr) {
  if (xhr.status === 0) {
    return new ApiError(0, "STORE_NETWORK", "Network error: check the bucket CORS configuration and your connection.");
  }
  const code = (/<Code>([^<]{1,100})<\/Code>/.exec(xhr.responseText || "") || [])[1] || "";
  return new ApiError(xhr.status, "STORE_REFUSED", `The storage refused the upload (HTTP ${xhr.status}${code ? `: ${code}` : ""}).`);
}

/** Waits ms, or rejects with an AbortError as soon as signal aborts. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      reject(abortError(signal.reason));
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", stop);
      resolve();
    }, ms);
    if (signal) {
      if (signal.aborted) stop();
      else signal.addEventListener("abort", stop, { once: true });
    }
  });
}
