package dev.directupload.upload;

import dev.directupload.storage.PresignedPut;

/** One part's signed URL and the headers to send with it. */
public record SignedPart(int partNumber, PresignedPut put) {}
