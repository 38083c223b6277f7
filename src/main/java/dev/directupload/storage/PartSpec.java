package dev.directupload.storage;

import java.time.Duration;

/**
 * Everything a presigned part upload binds.
 *
 * @param uploadId the store's id of the multipart upload
 * @param partNumber 1 to 10,000
 * @param checksumSha256 base64 SHA-256 of the part's bytes
 */
public record PartSpec(
    String key, String uploadId, int partNumber, long size, String checksumSha256,
    Duration expiry) {}
