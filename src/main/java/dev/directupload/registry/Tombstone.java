package dev.directupload.registry;

import java.time.Instant;

/**
 * An upload that was removed, remembered until {@code until}: the bucket lookup of unknown ids,
 * a rebuild and other instances' records must not bring it back while its signed URL could
 * still write its object.
 *
 * @param checkObject look at the key once more when the tombstone expires: the URL was still
 *     valid when the upload was removed, so the object may have been written again since
 */
public record Tombstone(String id, String key, Instant until, boolean checkObject) {}
