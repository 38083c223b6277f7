package dev.directupload.upload;

import dev.directupload.storage.PresignedPut;

/** A new pending upload and the signed PUT that delivers its bytes. */
public record PresignedUpload(Upload upload, PresignedPut put) {}
