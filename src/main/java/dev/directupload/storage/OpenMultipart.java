package dev.directupload.storage;

import java.time.Instant;

/** A multipart upload the store holds open: its parts cost storage until it is completed or aborted. */
public record OpenMultipart(String key, String uploadId, Instant initiated) {}
