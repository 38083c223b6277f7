package dev.directupload.registry;

import dev.directupload.config.Settings;
import java.util.Optional;

/**
 * How a large file goes up: in {@code partCount} parts of {@code partSize} bytes, the last one
 * holding the rest, under the store's multipart upload {@code storeUploadId}. The store's
 * upload is only started when the first part is signed: until then a multipart upload costs
 * nothing in the store, and the id is empty.
 *
 * <p>A client that does not say the file's size (Uppy) cuts the parts as it likes: its plan has
 * no part size or count ({@link #clientCut()}), and it names the parts to join when it completes.
 */
public record MultipartPlan(Optional<String> storeUploadId, long partSize, int partCount) {

  /** The plan for a file of {@code size} bytes under these settings, not started yet. */
  public static MultipartPlan of(long size, Settings settings) {
    long partSize = settings.partSizeFor(size);
    return new MultipartPlan(Optional.empty(), partSize, (int) ((size + partSize - 1) / partSize));
  }

  /** The plan of a client that cuts its parts itself and says nothing of them beforehand. */
  public static MultipartPlan clientCut() {
    return new MultipartPlan(Optional.empty(), 0, 0);
  }

  public boolean isClientCut() {
    return partCount == 0;
  }

  public boolean isStarted() {
    return storeUploadId.isPresent();
  }

  /** The same plan under the store's multipart upload {@code id}. */
  public MultipartPlan started(String id) {
    return new MultipartPlan(Optional.of(id), partSize, partCount);
  }

  /** The exact length of part {@code partNumber} (1-based) of a file of {@code size} bytes. */
  public long sizeOf(int partNumber, long size) {
    return partNumber < partCount ? partSize : size - partSize * (partCount - 1);
  }
}
