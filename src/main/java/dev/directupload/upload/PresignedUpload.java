package dev.directupload.upload;

import dev.directupload.registry.Upload;
import dev.directupload.storage.PresignedPut;
import java.util.Optional;

/**
 * A new pending upload and the signed PUT that delivers its bytes; a multipart upload has no PUT
 * of its own (its parts are signed on request) but a {@link Upload#multipart() plan}.
 */
public record PresignedUpload(Upload upload, Optional<PresignedPut> put) {}
