package dev.directupload.upload;

/**
 * Every error the API can answer, with its HTTP status. One list, so the page, the tests and the
 * README agree on what {@code code} can be.
 */
public enum ErrorCode {
  INVALID_REQUEST(400, "The request is not valid."),
  MALFORMED_JSON(400, "The request body is not valid JSON."),
  INVALID_FILENAME(400, "The file name is not acceptable."),
  INVALID_SIZE(400, "The file size is not acceptable."),
  FILE_TOO_LARGE(400, "The file is larger than allowed."),
  TYPE_NOT_ALLOWED(400, "This type of file is not allowed."),

  INVALID_CHECKSUM(400, "The checksum is not a base64 SHA-256 digest."),
  FORBIDDEN_ORIGIN(403, "Requests from this page's origin are not allowed."),
  FORBIDDEN_USER(403, "This user name cannot use the API."),
  FORBIDDEN_METRICS(403, "Metrics are served only to allowed addresses and the metrics role."),
  REJECTED_BY_HOOK(403, "The application refused this upload."),
  NOT_FOUND(404, "Not found."),
  METHOD_NOT_ALLOWED(405, "This method is not allowed here."),
  NOT_UPLOADED(409, "The file is not in storage yet."),
  ALREADY_COMPLETED(409, "This upload is already complete."),
  OBJECT_CHANGED(409, "The stored object changed after it was verified; it was removed."),
  BODY_TIMEOUT(408, "The request body did not arrive in time."),
  WRONG_HOST(421, "This server does not answer for that host name."),
  BODY_TOO_LARGE(413, "The request body is too large."),
  QUOTA_EXCEEDED(413, "This would exceed your storage quota."),
  UNSUPPORTED_MEDIA_TYPE(415, "The request body must be application/json."),
  OBJECT_MISMATCH(422, "The stored object differs from what was signed; it was removed."),
  TYPE_MISMATCH(422, "The file's type contradicts its name or its content."),
  TOO_MANY_REQUESTS(429, "Too many uploads started; slow down and try again shortly."),
  PENDING_LIMIT(429, "You have too many unfinished uploads; finish or cancel some first."),
  TOO_MANY_PENDING(503, "Too many uploads are in progress; try again shortly."),
  STORAGE_UNAVAILABLE(503, "The storage is not available right now; try again shortly."),
  INDEX_LOADING(503, "The file list is still loading after a start; try again shortly."),
  DATABASE_UNAVAILABLE(503, "The database is not available right now; try again shortly."),
  HOOK_UNAVAILABLE(503, "The application could not be asked whether this upload may happen."),
  INTERNAL_ERROR(500, "Something went wrong on our side.");

  private final int httpStatus;
  private final String defaultMessage;

  ErrorCode(int httpStatus, String defaultMessage) {
    this.httpStatus = httpStatus;
    this.defaultMessage = defaultMessage;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String defaultMessage() {
    return defaultMessage;
  }

  /** Seconds a client should wait before trying again, for the errors that pass with time. */
  public int retryAfterSeconds() {
    return httpStatus == 503 || this == TOO_MANY_REQUESTS ? 5 : 0;
  }
}
