package dev.directupload.ops;

import dev.directupload.registry.Upload;
import dev.directupload.upload.Caller;
import dev.directupload.upload.UploadObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts what the use cases did: uploads signed, completed (and their bytes), deleted and
 * expired. Requests and their refusals are counted at the edge ({@link RequestMetrics}).
 */
final class MetricsObserver implements UploadObserver {
  private final Counter presignedSingle;
  private final Counter presignedMultipart;
  private final Counter completedByRequest;
  private final Counter completedAtExpiry;
  private final Counter completedBytes;
  private final Counter deletedPending;
  private final Counter deletedCompleted;
  private final Counter expiredDropped;

  MetricsObserver(MeterRegistry registry) {
    String presigned = "Uploads signed: a single PUT, or a multipart plan";
    presignedSingle = Counter.builder("direct_upload.presigned").description(presigned)
        .tag("kind", "single").register(registry);
    presignedMultipart = Counter.builder("direct_upload.presigned").description(presigned)
        .tag("kind", "multipart").register(registry);
    String completed = "Uploads verified and listed: by a complete request, or when their time"
        + " ran out and the object checked out";
    completedByRequest = Counter.builder("direct_upload.completed").description(completed)
        .tag("via", "request").register(registry);
    completedAtExpiry = Counter.builder("direct_upload.completed").description(completed)
        .tag("via", "expiry").register(registry);
    completedBytes = Counter.builder("direct_upload.completed.bytes")
        .description("Bytes of the uploads completed").register(registry);
    String deleted = "Uploads removed by their owner: pending ones cancelled, completed ones"
        + " deleted";
    deletedPending = Counter.builder("direct_upload.deleted").description(deleted)
        .tag("state", "pending").register(registry);
    deletedCompleted = Counter.builder("direct_upload.deleted").description(deleted)
        .tag("state", "completed").register(registry);
    expiredDropped = Counter.builder("direct_upload.expired.dropped")
        .description("Pending uploads whose time ran out without a good object: dropped")
        .register(registry);
  }

  @Override
  public void presigned(Caller caller, Upload upload) {
    (upload.multipart().isPresent() ? presignedMultipart : presignedSingle).increment();
  }

  @Override
  public void completed(Caller caller, Upload upload) {
    completedByRequest.increment();
    completedBytes.increment(upload.size());
  }

  @Override
  public void deleted(Caller caller, Upload upload) {
    (upload.isCompleted() ? deletedCompleted : deletedPending).increment();
  }

  @Override
  public void expired(Upload upload, boolean completed) {
    if (completed) {
      completedAtExpiry.increment();
      completedBytes.increment(upload.size());
    } else {
      expiredDropped.increment();
    }
  }
}
