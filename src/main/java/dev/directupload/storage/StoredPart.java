package dev.directupload.storage;

import java.util.Optional;

/** A part the store holds for an unfinished multipart upload. */
public record StoredPart(int partNumber, long size, String etag, Optional<String> checksumSha256) {}
