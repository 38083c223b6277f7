// Uppy as a site would set it up, from the query string:
//   major     5 or 6: which bundle (uppy5/ is uppy 5.2.4, uppy6/ is uppy 6.0.1)
//   endpoint  the app's URL without a trailing slash (5.x `endpoint`, 6.x `companionEndpoint`)
//   restrict  present: Uppy's restrictions are filled from the app's api/config
// Files larger than 5 MiB go in parts (Uppy's default is 100 MiB: smaller here, for speed). The
// test hands files to window.send and reads window.uppyLog, where the events a user would
// notice are written down.
const query = new URLSearchParams(location.search);
const major = query.get("major");
const endpoint = query.get("endpoint");
const { Uppy, Dashboard, AwsS3 } = await import(`./uppy${major}/uppy.min.mjs`);
const style = document.head.appendChild(document.createElement("link"));
style.rel = "stylesheet";
style.href = `./uppy${major}/uppy.min.css`;

const restrictions = {};
if (query.has("restrict")) {
  const config = await (await fetch(`${endpoint}/api/config`)).json();
  restrictions.allowedFileTypes = config.allowedTypes;
  restrictions.maxFileSize = config.maxFileSize;
}

const shouldUseMultipart = (file) => file.size > 5 * 2 ** 20;
const uppy = new Uppy({ restrictions })
  .use(Dashboard, { inline: true, target: "#uppy", proudlyDisplayPoweredByUppy: false })
  .use(AwsS3, major === "5"
    ? { endpoint, shouldUseMultipart }
    : { companionEndpoint: endpoint, shouldUseMultipart });

const log = { errors: [], restrictions: [], infos: [], progress: {} };
window.uppyLog = log;
uppy.on("upload-error", (file, error) => {
  log.errors.push({ name: file?.name ?? null, message: String(error?.message ?? error) });
});
uppy.on("restriction-failed", (file, error) => {
  log.restrictions.push({ name: file?.name ?? null, message: String(error?.message ?? error) });
});
uppy.on("upload-progress", (file, progress) => {
  log.progress[file.name] = progress.bytesUploaded;
});
uppy.on("info-visible", () => {
  for (const info of uppy.getState().info ?? []) {
    log.infos.push({ message: info.message, details: info.details ?? null });
  }
});

/**
 * Exactly `size` bytes from `seed` (xorshift32, the same in the test): letters and punctuation
 * when `text`, otherwise any byte.
 */
function bytes(size, seed, text) {
  const letters = "abcdefghijklmnopqrstuvwxyz ,.;\n!";
  const out = new Uint8Array(size);
  let x = seed | 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = text ? letters.charCodeAt(x & 31) : x & 0xff;
  }
  return out;
}

/**
 * Adds the files ({name, type, size, seed, text, meta}) and uploads them; window.outcome is then
 * {successful: [name], failed: [{name, error}]}, or {thrown} when Uppy threw.
 */
window.send = (files) => {
  window.outcome = null;
  try {
    for (const f of files) {
      uppy.addFile({
        name: f.name,
        type: f.type,
        data: new Blob([bytes(f.size, f.seed, f.text)], { type: f.type }),
        meta: f.meta ?? {},
        source: "test",
      });
    }
  } catch (error) {
    window.outcome = { thrown: String(error?.message ?? error) };
    return;
  }
  uppy.upload().then(
    (result) => {
      window.outcome = {
        successful: (result?.successful ?? []).map((f) => f.name),
        failed: (result?.failed ?? []).map((f) => ({ name: f.name, error: String(f.error) })),
      };
    },
    (error) => { window.outcome = { thrown: String(error?.message ?? error) }; });
};

window.uppy = uppy;
document.body.dataset.ready = major;
