package dev.directupload.storage;

import java.time.Instant;
import java.util.Optional;

/** An object as a listing describes it: no type, no metadata, but many at a time. */
public record ListedObject(String key, long size, Optional<String> etag, Instant lastModified) {}
