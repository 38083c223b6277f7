package dev.directupload.upload;

/**
 * A request the API refuses, with the code and a message written for the person who sent it.
 * The web layer turns it into {@code {"error":{"code","message"}}} with the code's status.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final int retryAfterSeconds;

  public ApiException(ErrorCode code, String message) {
    this(code, message, code.retryAfterSeconds());
  }

  /** An error that passes with time, when the wait is known exactly. */
  public ApiException(ErrorCode code, String message, int retryAfterSeconds) {
    super(message);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public ApiException(ErrorCode code) {
    this(code, code.defaultMessage());
  }

  public ErrorCode code() {
    return code;
  }

  /** Seconds to wait before trying again; 0 when trying again will not help. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
