/*
 * The direct-upload client: speaks the app's HTTP API (README, "HTTP API") and the presigned
 * PUTs to the bucket, with no DOM, so any page, even on another origin, can upload with it:
 *
 *   import { createClient } from "https://app.example.com/direct-upload/js/client.js";
 *   const client = createClient();
 *   const stored = await client.upload(file, { onProgress: (p) => show(p.loaded / p.total) });
 *
 * One PUT for a file below the server's multipart threshold; above it, parts sent
 * four at a time, each with its SHA-256 (Web Crypto) signed into its URL, signed in
 * batches, retried with backoff, signed again when their URL expired. An upload stopped with
 * its signal keeps what the store holds: upload() with the same file continues it, in this page
 * or (for a file sent in parts) after a reload. cancel() drops it on the server too.
 *
 * Every failure is an ApiError with the API's {code, message} (and the HTTP status, 0 when
 * there was no answer); a stopped upload rejects with the signal's AbortError.
 */
import { formatSize } from "./format.js";
import { ApiError, abortError, put, readJson, sleep, storeError } from "./http.js";
import { plan, sendLargeFile } from "./multipart.js";
import { createResumeStore, defaultStorage, fingerprint } from "./resume.js";
import { contentTypeFor, extensionOf, isTypeAllowed } from "./types.js";

export { ApiError };

/** A URL this close to its expiry is signed anew rather than sent to be refused. */
const URL_MARGIN_MS = 30_000;
/** A 409 from "complete" right after a successful PUT is asked again once after this delay. */
const COMPLETE_RETRY_DELAY_MS = 1000;

/**
 * A client of the app at {@code endpoint}: the URL the app is deployed at, e.g.
 * "https://app.example.com/direct-upload/". It defaults to the app this module was loaded from.
 * {@code storage} (Web Storage's getItem/setItem/removeItem) is where unfinished uploads are
 * remembered to resume after a reload; it defaults to localStorage.
 */
export function createClient({ endpoint = new URL("../", import.meta.url), storage = defaultStorage() } = {}) {
  const base = new URL(endpoint, globalThis.location ? globalThis.location.href : undefined);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  /** Unfinished large uploads by file, one list per app: two apps on one origin keep apart. */
  const remembered = createResumeStore(storage, `direct-upload:resume:${new URL("api/", base).href}`);
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
    remembered.forgetId(id);
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
      api,
      path: () => uploadPath(session.id),
      status: (event) => { if (onStatus) onStatus(event); },
      progress: onProgress || (() => {}),
      report: (loaded, stored, parts) => report(job, loaded, stored, parts),
      floor: 0, // the most "loaded" reported: it never goes back within this call
      sent: 0, // bytes handed to the network, sent again or not: for a speed
    };
    try {
      controller.signal.throwIfAborted();
      if (!session.id) await start(job);
      job.runningId = session.id;
      running.add(job.runningId);
      const stored = session.plan ? await sendLargeFile(job) : await sendWhole(job);
      remembered.forget(session.fingerprint, session.id);
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
        remembered.forget(session.fingerprint, session.id);
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
      remembered.forgetId(target);
      await api(uploadPath(target), { method: "DELETE" }).catch(() => {});
      return;
    }
    const session = sessions.get(target);
    if (!session) {
      const id = remembered.get(fingerprint(target));
      if (id) await cancel(id);
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
    return remembered.get(fingerprint(file));
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
      remembered.remember(session.fingerprint, session.id);
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
    remembered.forget(session.fingerprint, id);
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
  // Resume after a reload

  /** The unfinished upload of this file that the server still has, or null. */
  async function findResumable(session, signal) {
    const id = remembered.get(session.fingerprint);
    if (!id) return null;
    // The same file given twice: the other call already sends it.
    if (running.has(id)) return null;
    let uploads = [];
    try {
      uploads = await pending({ signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      return null; // the presign that follows says what is wrong
    }
    const upload = uploads.find((candidate) => candidate.id === id);
    if (upload && upload.multipart && Number(upload.size) === session.file.size) return upload;
    // Not among this server's pending uploads: behind a load balancer another instance may
    // have started it, and any instance can answer for its parts.
    try {
      const stored = await api(`${uploadPath(id)}/parts`, { signal });
      if (stored && stored.partSize && stored.partCount) {
        return { id, multipart: { partSize: stored.partSize, partCount: stored.partCount } };
      }
    } catch (error) {
      if (error.name === "AbortError") throw error;
      if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) return null;
    }
    remembered.forget(session.fingerprint, id); // finished, cancelled or expired meanwhile
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
