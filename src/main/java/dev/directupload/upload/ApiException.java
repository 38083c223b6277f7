package dev.directupload.upload;

/**
 * A request the API refuses, with the code and a message written for the person who sent it.
 * The web layer turns it into {@code {"error":{"code","message"}}} with the code's status.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public ApiException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ApiException(ErrorCode code) {
    this(code, code.defaultMessage());
  }

  public ErrorCode code() {
    return code;
  }
}
