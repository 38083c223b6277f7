/*
 * Media types and file name extensions, without the DOM: which type a file is sent as, and
 * whether a type is allowed.
 *
 * Browsers do not always say what a file is: Chromium reports "photo.heic" as image/heif or as
 * nothing at all, and some systems say image/pjpeg or audio/mp3. When the browser gives no type,
 * or a type that is only another name for the one its extension stands for, the file is sent as
 * the type its extension maps to; the server checks the name, the type and (where it reads the
 * content) the bytes, so nothing here widens what it accepts.
 */

/**
 * Extensions of common types, used when the server's api/config gives no "extensions" map (an
 * older server). The same pairs as the server's own list.
 */
export const BUILT_IN_EXTENSIONS = Object.freeze({
  "image/jpeg": ["jpg", "jpeg", "jpe", "jfif"],
  "image/png": ["png"],
  "image/gif": ["gif"],
  "image/webp": ["webp"],
  "image/avif": ["avif"],
  "image/heic": ["heic", "heif"],
  "image/svg+xml": ["svg", "svgz"],
  "application/pdf": ["pdf"],
  "text/plain": ["txt", "text", "log"],
  "text/markdown": ["md"],
  "text/csv": ["csv"],
  "application/json": ["json"],
  "application/zip": ["zip"],
  "video/mp4": ["mp4", "m4v"],
  "audio/mpeg": ["mp3"],
  "application/msword": ["doc"],
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ["docx"],
  "application/vnd.ms-excel": ["xls"],
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ["xlsx"],
  "application/vnd.ms-powerpoint": ["ppt"],
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": ["pptx"],
  "application/vnd.oasis.opendocument.text": ["odt"],
  "application/vnd.oasis.opendocument.spreadsheet": ["ods"],
  "application/vnd.oasis.opendocument.presentation": ["odp"],
});

/** Types some browsers or systems report for a type better known by another name. */
const ALIASES = Object.freeze({
  "image/heif": "image/heic",
  "image/pjpeg": "image/jpeg",
  "image/jpg": "image/jpeg",
  "image/x-png": "image/png",
  "audio/mp3": "audio/mpeg",
  "application/x-zip-compressed": "application/zip",
  "application/x-pdf": "application/pdf",
});

const UNKNOWN = "application/octet-stream";

/** "image/png; x=1" → "image/png". */
export function baseType(type) {
  return String(type || "").toLowerCase().split(";")[0].trim();
}

/** "Photo.HEIC" → "heic"; "" when the name has none. */
export function extensionOf(name) {
  const match = /\.([^./\\]+)$/.exec(String(name || ""));
  return match ? match[1].toLowerCase() : "";
}

/** Whether a content type matches one entry of allowedTypes: exact, "type/*" or "*\/*". */
export function isTypeAllowed(contentType, allowedTypes) {
  const type = baseType(contentType);
  return allowedTypes.some((allowed) =>
    allowed === "*/*"
    || allowed === type
    || (allowed.endsWith("/*") && type.startsWith(allowed.slice(0, -1))));
}

/**
 * The extensions of each allowed type: the server's map when it sends one, else the built-in
 * pairs of the allowed types (a family such as image/* takes every built-in type in it).
 */
export function allowedExtensions(config) {
  if (config.extensions) return config.extensions;
  const map = {};
  for (const [type, extensions] of Object.entries(BUILT_IN_EXTENSIONS)) {
    if (isTypeAllowed(type, config.allowedTypes)) map[type] = extensions;
  }
  return map;
}

/** The extensions an allowed type is known by, for showing it: [] when none is known. */
export function extensionsOf(type, config) {
  const map = allowedExtensions(config);
  return map[type] || BUILT_IN_EXTENSIONS[type] || [];
}

/**
 * The type to send a file as: what the browser reports, unless it reports nothing (or
 * application/octet-stream) or an alias of the type the file's extension stands for; then that
 * type. A file whose extension no allowed type claims keeps the browser's type.
 */
export function contentTypeFor(name, reportedType, config) {
  const reported = baseType(reportedType);
  const extension = extensionOf(name);
  const map = allowedExtensions(config);
  const claiming = extension
    ? Object.keys(map).filter((type) => (map[type] || []).includes(extension))
    : [];
  if (claiming.length === 0 || claiming.includes(reported)) return reported || UNKNOWN;
  if (!reported || reported === UNKNOWN || isAliasOf(reported, claiming, map)) return claiming[0];
  return reported;
}

/**
 * image/heif for image/heic: a known alias, or a type whose subtype is an extension the map
 * lists for one of the claiming types ("heif" under image/heic).
 */
function isAliasOf(reported, claiming, map) {
  if (claiming.includes(ALIASES[reported])) return true;
  const subtype = (reported.split("/")[1] || "").replace(/^x-/, "");
  return claiming.some((type) => (map[type] || []).includes(subtype));
}
