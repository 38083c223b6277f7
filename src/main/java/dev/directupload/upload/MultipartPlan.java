package dev.directupload.upload;

import dev.directupload.config.Settings;

/**
 * How a large file goes up: in {@code partCount} parts of {@code partSize} bytes, the last one
 * holding the rest, under the store's multipart upload {@code storeUploadId}.
 */
public record MultipartPlan(String storeUploadId, long partSize, int partCount) {

  /** The plan for a file of {@code size} bytes under these settings. */
  static MultipartPlan of(String storeUploadId, long size, Settings settings) {
    long partSize = settings.partSizeFor(size);
    return new MultipartPlan(storeUploadId, partSize, (int) ((size + partSize - 1) / partSize));
  }

  /** The exact length of part {@code partNumber} (1-based) of a file of {@code size} bytes. */
  long sizeOf(int partNumber, long size) {
    return partNumber < partCount ? partSize : size - partSize * (partCount - 1);
  }
}
