/*
 * Which unfinished upload holds the parts of which file, remembered in Web Storage so that a
 * large upload continues after a reload when the same file is chosen again. No DOM.
 */

/** Remembered unfinished uploads older than this are dropped (the server forgets them sooner). */
const RESUME_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** Web Storage, when the page may use it; else a map that lasts as long as the page. */
export function defaultStorage() {
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

/** The same file chosen again: same name, size and last change. */
export function fingerprint(file) {
  return JSON.stringify([file.name, file.size, file.lastModified]);
}

/**
 * The uploads remembered under {@code key} in {@code storage}: fingerprint → {id, savedAt}.
 * Storage that is full, disabled or unreadable only means that nothing resumes after a reload.
 */
export function createResumeStore(storage, key) {
  function read() {
    try {
      const saved = JSON.parse(storage.getItem(key) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch {
      return {}; // storage disabled or unreadable: nothing to resume
    }
  }

  function write(saved) {
    try {
      if (Object.keys(saved).length) storage.setItem(key, JSON.stringify(saved));
      else storage.removeItem(key);
    } catch {
      // Storage full or disabled: the upload goes on, it just cannot resume after a reload.
    }
  }

  return {
    /** The id remembered for this fingerprint, or null. */
    get(print) {
      const entry = read()[print];
      return entry && entry.id ? entry.id : null;
    },

    remember(print, id) {
      const saved = read();
      const now = Date.now();
      for (const [other, entry] of Object.entries(saved)) {
        if (!(entry && now - entry.savedAt < RESUME_MAX_AGE_MS)) delete saved[other];
      }
      saved[print] = { id, savedAt: now };
      write(saved);
    },

    /** Forgets this fingerprint's upload, if it is still {@code id}. */
    forget(print, id) {
      const saved = read();
      if (!saved[print] || saved[print].id !== id) return;
      delete saved[print];
      write(saved);
    },

    /** Forgets upload {@code id}, whichever file it was remembered for. */
    forgetId(id) {
      const saved = read();
      const prints = Object.keys(saved).filter((print) => saved[print] && saved[print].id === id);
      if (prints.length === 0) return;
      for (const print of prints) delete saved[print];
      write(saved);
    },
  };
}
