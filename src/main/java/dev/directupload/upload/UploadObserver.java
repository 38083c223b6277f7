package dev.directupload.upload;

import dev.directupload.registry.Upload;

/**
 * What happened, for those who count it (metrics) or write it down (the audit trail). Called
 * after the fact, on the thread that did it; an observer must be quick and must not throw.
 */
public interface UploadObserver {
  /** Observes nothing. */
  UploadObserver NONE = new UploadObserver() { };

  /** An upload was signed: a single PUT, or a multipart plan. */
  default void presigned(Caller caller, Upload upload) {
  }

  /** Parts of a multipart upload were signed. */
  default void partsSigned(Caller caller, Upload upload, int parts) {
  }

  /** The object was verified and the upload listed. */
  default void completed(Caller caller, Upload upload) {
  }

  /** A pending upload was cancelled or a completed file deleted. */
  default void deleted(Caller caller, Upload upload) {
  }

  /** A pending upload's time ran out: completed if its object checked out, else dropped. */
  default void expired(Upload upload, boolean completed) {
  }

  /** A request was refused, with the error it was answered. */
  default void refused(Caller caller, String operation, String uploadId, ApiException error) {
  }
}
