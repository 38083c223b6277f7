package dev.directupload.registry;

/** Whether a new pending upload was added, and if not, which limit stopped it. */
public enum Admission {
  ADMITTED,
  /** {@link Limits#maxPending()} uploads are pending in all. */
  FULL,
  /** The client has {@link Limits#maxPendingPerClient()} uploads pending. */
  CLIENT_FULL,
  /** The owner's completed and pending bytes would exceed {@link Limits#quotaBytes()}. */
  OVER_QUOTA_BYTES,
  /** The owner's completed and pending files would exceed {@link Limits#quotaFiles()}. */
  OVER_QUOTA_FILES,
  /** The registry holds this id already (another thread or instance added it first). */
  ALREADY_KNOWN
}
