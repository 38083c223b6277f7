/*
 * What every part of the page shares: its elements, the error banner and announcements for
 * screen readers.
 *
 * Rules the page's modules keep (it runs under a strict Content-Security-Policy and is deployed
 * both at "/" and under a context path):
 *  - every URL is relative ("api/config", never "/api/config"), or made by the client;
 *  - anything coming from a user or a server is inserted with textContent, never innerHTML;
 *  - no inline handlers or styles: rows are cloned from <template>s in index.html.
 */

export const $ = (selector, root = document) => root.querySelector(selector);

export const el = {
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
  quota: $("#quota"),
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
  filesIndexing: $("#files-indexing"),
  empty: $("#empty"),
  loadMore: $("#load-more"),
  refresh: $("#refresh"),
  live: $("#live"),
  uploadTemplate: $("#upload-template"),
  fileTemplate: $("#file-template"),
};

/** Page-wide errors by source, so one source recovering does not hide another's error. */
const bannerErrors = new Map();

export function setBanner(source, message) {
  if (message) bannerErrors.set(source, message);
  else bannerErrors.delete(source);
  el.banner.textContent = [...bannerErrors.values()].join(" ");
  el.banner.hidden = bannerErrors.size === 0;
}

export const hasBanner = (source) => bannerErrors.has(source);

let pendingAnnouncements = [];
let announceTimer = 0;

/**
 * Queues a sentence for screen readers. Several status changes in the same moment (three
 * uploads finishing together) are read as one message instead of replacing each other before
 * they are heard.
 */
export function announce(text) {
  pendingAnnouncements.push(text);
  if (announceTimer) return;
  announceTimer = window.setTimeout(() => {
    el.live.textContent = pendingAnnouncements.map((line) => line.replace(/\.$/, "")).join(". ") + ".";
    pendingAnnouncements = [];
    announceTimer = 0;
  }, 400);
}

/** What api/health concluded, kept on <body data-health>: up, down, cors or unknown. */
export const health = {
  get verdict() {
    return document.body.dataset.health || "";
  },
  set verdict(value) {
    document.body.dataset.health = value;
  },
};
