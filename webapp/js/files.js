/*
 * The list of stored files: pages of GET api/files, download links, thumbnails and delete.
 */
import { ApiError } from "./client.js";
import { formatDate, formatSize, sentence } from "./format.js";
import { fillThumbnail } from "./thumbnails.js";
import { $, announce, el, hasBanner, setBanner } from "./ui.js";

/** Page size of the files list. */
const FILES_PAGE_SIZE = 50;
/** While the server is still reading its index from the bucket, the list is asked again this often. */
const INDEXING_POLL_MS = 2000;

/** The files list. {@code changed()} hears of each delete (the quota moved). */
export function createFiles({ client, changed }) {
  let nextCursor = null;
  /** Bumped by every reload, so an answer for an older list is dropped instead of mixed in. */
  let listGeneration = 0;
  let refreshTimer = 0;
  /** Whether the server said it has listed all its files yet (false while it indexes). */
  let complete = true;
  /** Upload id → the File this page uploaded it from: its thumbnail is drawn from there. */
  const localFiles = new Map();

  /** Reloads the first page soon; uploads finishing together cause a single request. */
  function refresh(delay = 150) {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(() => load(false), delay);
  }

  /** A file this page just uploaded: listed at once, its thumbnail from the local file. */
  function uploaded(file, localFile) {
    if (file && file.id && localFile) localFiles.set(String(file.id), localFile);
    refresh();
  }

  async function load(append) {
    const generation = append ? listGeneration : ++listGeneration;
    el.files.setAttribute("aria-busy", "true");
    el.loadMore.disabled = true;
    try {
      const page = await client.files({ limit: FILES_PAGE_SIZE, cursor: append ? nextCursor : null });
      if (generation !== listGeneration) return;
      if (append) {
        const shown = new Set([...el.files.children].map((li) => li.dataset.id));
        for (const file of page.files) {
          if (!shown.has(String(file.id))) el.files.append(createRow(file));
        }
      } else {
        showFirstPage(page.files);
      }
      nextCursor = page.nextCursor;
      complete = page.complete;
      // Still indexing after a start: show what is known and look again soon.
      if (!complete) refresh(INDEXING_POLL_MS);
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
   * never changes): a rebuilt thumbnail would be read again after every upload, and a pending
   * delete confirmation would vanish.
   */
  function showFirstPage(files) {
    const shown = new Map([...el.files.children].map((li) => [li.dataset.id, li]));
    const focused = el.files.contains(document.activeElement) ? document.activeElement : null;
    el.files.replaceChildren(...files.map((file) => shown.get(String(file.id)) || createRow(file)));
    // Moving a row takes focus away from the button in it: give it back.
    if (focused && el.files.contains(focused) && document.activeElement !== focused) focused.focus();
  }

  function updateEmpty() {
    el.filesIndexing.hidden = complete;
    el.empty.hidden = !complete || el.files.children.length > 0 || hasBanner("files");
  }

  function createRow(file) {
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
    if (file.downloadUrl) link.href = file.downloadUrl;
    link.download = file.name; // a hint; the server's Content-Disposition names the file too
    link.setAttribute("aria-label", `Download ${file.name}`);
    fillThumbnail($(".thumb", li), file, localFiles.get(String(file.id)));
    localFiles.delete(String(file.id)); // drawn: the row keeps its picture from now on

    wireDelete(li, file);
    return li;
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
        await client.delete(file.id);
        removeRow(li, `${file.name} deleted`);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          removeRow(li, `${file.name} was already gone`);
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
  function removeRow(li, message) {
    const neighbour = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    announce(message);
    changed();
    if (neighbour) {
      $("button.delete", neighbour).focus();
    } else {
      el.filesHeading.focus();
      // The last shown row went but the server has more: show them rather than "No files".
      if (nextCursor) load(false);
    }
    updateEmpty();
  }

  el.loadMore.addEventListener("click", () => load(true));
  el.refresh.addEventListener("click", () => load(false));

  return { load, refresh, uploaded };
}
