/*
 * What the client needs of HTTP, without the DOM: its error type, reading JSON answers, PUTs to
 * the bucket with upload progress, and waiting.
 */

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
export const abortError = (reason) => (reason instanceof Error && reason.name === "AbortError"
  ? reason
  : new DOMException("The upload was stopped.", "AbortError"));

/** Parses a body as JSON, or returns null: a proxy in front may answer with HTML. */
export async function readJson(response) {
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
export function put(method, url, headers, body, signal, onProgress) {
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
export function storeError(xhr) {
  if (xhr.status === 0) {
    return new ApiError(0, "STORE_NETWORK", "Network error: check the bucket CORS configuration and your connection.");
  }
  const code = (/<Code>([^<]{1,100})<\/Code>/.exec(xhr.responseText || "") || [])[1] || "";
  return new ApiError(xhr.status, "STORE_REFUSED", `The storage refused the upload (HTTP ${xhr.status}${code ? `: ${code}` : ""}).`);
}

/** Waits ms, or rejects with an AbortError as soon as signal aborts. */
export function sleep(ms, signal) {
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
