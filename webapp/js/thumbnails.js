/*
 * Thumbnails of listed files, drawn small without downloading whole images:
 *  - a file uploaded from this page is drawn from the local file;
 *  - a listed JPEG from the thumbnail its camera stored in its EXIF block, read with one ranged
 *    request for its first 64 KiB;
 *  - a small image (SMALL_IMAGE_BYTES) is read whole;
 *  - anything else keeps its type badge.
 * Rows are drawn once they scroll into view, a few at a time.
 */
import { exifThumbnail } from "./exif.js";
import { $ } from "./ui.js";

/** Types that createImageBitmap decodes in every current browser. */
const DRAWABLE = new Set([
  "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/bmp",
  "image/x-icon", "image/vnd.microsoft.icon",
]);
/** A listed image of at most this size is read whole: about four ranged reads' worth. */
const SMALL_IMAGE_BYTES = 256 * 1024;
/** How much of a listed JPEG is read to find its EXIF thumbnail. */
const EXIF_BYTES = 64 * 1024;
/** A local file larger than this is not decoded for a 48 px square: the badge stays. */
const LOCAL_IMAGE_BYTES = 48 * 1024 * 1024;
/** The canvas is twice the CSS box, for sharp thumbnails on high-density screens. */
const CANVAS_PIXELS = 96;
/** Reads of the bucket at once, so a page of fifty photos does not queue the uploads behind it. */
const PARALLEL_READS = 3;

let reading = 0;
const waiting = [];

/** Runs {@code task} when fewer than PARALLEL_READS are running. */
function limited(task) {
  return new Promise((resolve, reject) => {
    const run = () => {
      reading += 1;
      task().then(resolve, reject).finally(() => {
        reading -= 1;
        if (waiting.length) waiting.shift()();
      });
    };
    if (reading < PARALLEL_READS) run();
    else waiting.push(run);
  });
}

const observer = "IntersectionObserver" in window
  ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      const draw = entry.target.drawThumbnail;
      delete entry.target.drawThumbnail;
      if (draw) draw();
    }
  }, { rootMargin: "600px" })
  : null;

/**
 * Fills a row's thumbnail box: a letter badge for every file, covered by a small picture for
 * images. {@code localFile} is the File this page uploaded it from, if it did.
 */
export function fillThumbnail(thumb, file, localFile) {
  const type = String(file.contentType || "").toLowerCase().split(";")[0].trim();
  thumb.dataset.kind = kindOf(type);
  $(".badge", thumb).textContent = badgeText(String(file.name || ""), type);
  if (!DRAWABLE.has(type) || !("createImageBitmap" in window)) return;
  const source = pictureSource(file, type, localFile);
  if (!source) return;
  const draw = () => {
    source()
      .then((picture) => (picture ? drawInto(thumb, picture) : null))
      .catch(() => {
        // Not an image after all, gone, or refused: the badge underneath stays.
      });
  };
  if (observer) {
    thumb.drawThumbnail = draw;
    observer.observe(thumb);
  } else {
    draw();
  }
}

/** How to get the picture's bytes (resolving to {blob, orientation} or null), or null: badge only. */
function pictureSource(file, type, localFile) {
  if (localFile && localFile.size <= LOCAL_IMAGE_BYTES) {
    return () => Promise.resolve({ blob: localFile, orientation: 1 });
  }
  const url = file.downloadUrl;
  const size = Number(file.size);
  if (!url) return null;
  if (type === "image/jpeg") {
    return () => limited(async () => {
      const start = await readStart(url, EXIF_BYTES, size);
      const exif = exifThumbnail(start.buffer);
      if (exif) return { blob: new Blob([exif.bytes], { type: "image/jpeg" }), orientation: exif.orientation };
      if (start.whole) return { blob: new Blob([start.buffer], { type }), orientation: 1 };
      return size <= SMALL_IMAGE_BYTES ? { blob: await readWhole(url), orientation: 1 } : null;
    });
  }
  if (size <= SMALL_IMAGE_BYTES) return () => limited(async () => ({ blob: await readWhole(url), orientation: 1 }));
  return null;
}

/**
 * The first {@code bytes} of a file of {@code size} bytes: {buffer, whole}. The download URL
 * redirects to a presigned GET, which a Range header turns into a partial read; a store that
 * ignores it is cut off after that many bytes all the same.
 */
async function readStart(url, bytes, size) {
  const response = await fetch(url, {
    headers: { Range: `bytes=0-${bytes - 1}` },
    // Our cookies go to the app; the redirect to the bucket is another origin and gets none.
    credentials: "same-origin",
  });
  if (response.status !== 206 && response.status !== 200) throw new Error(`HTTP ${response.status}`);
  const reader = response.body.getReader();
  const buffer = new Uint8Array(bytes);
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    const take = Math.min(value.length, bytes - length);
    buffer.set(value.subarray(0, take), length);
    length += take;
  }
  if (!ended) reader.cancel().catch(() => {});
  return { buffer: buffer.buffer.slice(0, length), whole: length >= size };
}

async function readWhole(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.blob();
}

/** Draws the picture centred and cropped to a square, turned as its EXIF orientation says. */
async function drawInto(thumb, { blob, orientation }) {
  const bitmap = await createImageBitmap(blob);
  const canvas = document.createElement("canvas");
  canvas.className = "thumb-img";
  canvas.width = CANVAS_PIXELS;
  canvas.height = CANVAS_PIXELS;
  const context = canvas.getContext("2d");
  const turned = orientation >= 5; // 5 to 8 swap width and height
  const shown = turned ? { w: bitmap.height, h: bitmap.width } : { w: bitmap.width, h: bitmap.height };
  const scale = CANVAS_PIXELS / Math.min(shown.w, shown.h);
  context.imageSmoothingQuality = "high";
  context.translate(CANVAS_PIXELS / 2, CANVAS_PIXELS / 2);
  // Canvas transforms apply to the drawing last first: these undo how the camera stored it.
  switch (orientation) {
    case 2: context.scale(-1, 1); break;
    case 3: context.rotate(Math.PI); break;
    case 4: context.scale(1, -1); break;
    case 5: context.rotate(Math.PI / 2); context.scale(1, -1); break;
    case 6: context.rotate(Math.PI / 2); break;
    case 7: context.rotate(Math.PI / 2); context.scale(-1, 1); break;
    case 8: context.rotate(-Math.PI / 2); break;
    default: break;
  }
  const w = bitmap.width * scale;
  const h = bitmap.height * scale;
  context.drawImage(bitmap, -w / 2, -h / 2, w, h);
  bitmap.close();
  thumb.querySelector(".thumb-img")?.remove();
  thumb.prepend(canvas);
  thumb.classList.add("has-image");
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
