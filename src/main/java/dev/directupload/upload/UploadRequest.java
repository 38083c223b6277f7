package dev.directupload.upload;

/**
 * What a browser asks to upload, as sent: any field may be missing (null) until
 * {@link UploadRules} has looked at it.
 */
public record UploadRequest(String filename, String contentType, Long size, String checksumSha256) {}
