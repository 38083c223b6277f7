package dev.directupload.upload;

import dev.directupload.registry.Upload;
import dev.directupload.storage.PresignedPost;

/**
 * A new pending upload of a client that did not say the file's size (Uppy), and the signed POST
 * form that delivers its bytes, bound to key, type, metadata and the sizes allowed.
 */
public record SignedForm(Upload upload, PresignedPost post) {}
