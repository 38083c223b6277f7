package dev.directupload.registry;

/**
 * The database behind the registry could not answer: down, unreachable, refusing the login, not
 * migrated yet, or out of connections. The message is ours and safe to show an operator (no URL,
 * no password); the driver's exception stays in the cause, for the log only. The API answers it
 * with 503 {@code DATABASE_UNAVAILABLE}; the next call tries the database again.
 */
public final class RegistryUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RegistryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
