package dev.directupload.upload;

import dev.directupload.storage.StorageException;

/**
 * How the use cases call the store: a failure the client can retry becomes one 503 in our own
 * words (the cause goes to the log), and a clean-up that fails is logged and left for later.
 */
final class StoreCalls {
  private static final System.Logger LOG = System.getLogger(StoreCalls.class.getName());

  private StoreCalls() {}

  /** Runs a storage call, turning a store failure into a 503 the client can retry. */
  static <T> T guard(StorageCall<T> call) {
    try {
      return call.run();
    } catch (StorageException e) {
      throw unavailable(e);
    }
  }

  static ApiException unavailable(StorageException e) {
    LOG.log(System.Logger.Level.WARNING, "Storage failure: " + e.getMessage(), e.getCause());
    return new ApiException(ErrorCode.STORAGE_UNAVAILABLE,
        "The storage is not available right now; try again shortly.");
  }

  /** A clean-up that may fail: logged, and left to the hourly sweep. */
  static void quietly(String what, Runnable cleanUp) {
    try {
      cleanUp.run();
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "Could not " + what + " (" + e.getMessage()
          + "); the hourly sweep will", e.getCause());
    }
  }

  /**
   * The value of a task run on a pool of ours, with a failure inside it thrown as it was thrown
   * (a {@link StorageException} stays one), not wrapped.
   */
  static <T> T join(java.util.concurrent.CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  @FunctionalInterface
  interface StorageCall<T> {
    T run();
  }
}
