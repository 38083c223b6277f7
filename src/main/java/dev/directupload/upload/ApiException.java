package dev.directupload.upload;

/**
 * A request the API refuses, with the code and a message written for the person who sent it.
 * The web layer turns it into {@code {"error":{"code","message"}}} with the code's status.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final int retryAfterSeconds;
  private final int httpStatus;

  public ApiException(ErrorCode code, String message) {
    this(code, message, code.retryAfterSeconds());
  }

  /** An error that passes with time, when the wait is known exactly. */
  public ApiException(ErrorCode code, String message, int retryAfterSeconds) {
    this(code, message, retryAfterSeconds, code.httpStatus());
  }

  private ApiException(ErrorCode code, String message, int retryAfterSeconds, int httpStatus) {
    super(message);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.httpStatus = httpStatus;
  }

  /**
   * The host application's refusal, with the status it chose (400..499): the one error whose
   * status is not its code's own.
   */
  public static ApiException rejectedByHook(int status, String message) {
    if (status < 400 || status > 499) {
      throw new IllegalArgumentException("expected a 4xx status but was " + status);
    }
    return new ApiException(ErrorCode.REJECTED_BY_HOOK, message, 0, status);
  }

  public ApiException(ErrorCode code) {
    this(code, code.defaultMessage());
  }

  public ErrorCode code() {
    return code;
  }

  /** The HTTP status to answer: the code's, or the one the host application chose. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Seconds to wait before trying again; 0 when trying again will not help. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
