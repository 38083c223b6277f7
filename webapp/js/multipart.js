/*
 * Large files: presigned multipart uploads, without the DOM.
 *
 * Part n covers bytes [(n - 1) · partSize, min(n · partSize, size)). Each part carries the
 * SHA-256 of its bytes, signed into its URL, so the store refuses a part that arrived
 * different. Parts are hashed ahead of sending, signed in batches, and sent PARALLEL_PARTS at a
 * time; a part that fails on the way is sent again, after a pause or with a new URL.
 *
 * A job (see client.js) is one upload() call: {session, signal, api, path(), report(), status()}.
 */
import { ApiError, put, sleep, storeError } from "./http.js";

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
/** A complete that finds no part missing is asked again after this delay (the store lags). */
const COMPLETE_RETRY_DELAY_MS = 1000;

/** A large file's plan, with what this client knows of it: checksums, URLs, stored parts. */
export function plan(multipart, size) {
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
export async function sendLargeFile(job) {
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
  const answer = await job.api(`${job.path()}/parts`, { signal: job.signal });
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
  job.report(stored + moving, stored, {
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
  const answer = await parts.job.api(`${parts.job.path()}/parts`, {
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
  const path = `${job.path()}/complete`;
  for (let round = 1; ; round += 1) {
    try {
      return await job.api(path, { method: "POST", body: {}, signal });
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

