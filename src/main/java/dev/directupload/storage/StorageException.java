package dev.directupload.storage;

/**
 * The store could not answer. The message is ours and safe to show an operator; the SDK's own
 * exception (which may name endpoints and request ids) stays in the cause, for the log only.
 */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
