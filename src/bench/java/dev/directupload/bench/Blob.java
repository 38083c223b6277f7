package dev.directupload.bench;

import java.util.Map;

/**
 * One object of {@link BenchS3}. An object written by PUT keeps its bytes, ETag and headers. A
 * filled one ({@link BenchS3#fill}) keeps only what cannot be derived from its key, to hold a
 * million of them in a few hundred MB: its ETag, metadata and bytes are computed when asked.
 *
 * @param size the body's length in bytes
 * @param contentType as stored (one shared instance per type for filled objects)
 * @param lastModified epoch milliseconds, whole seconds (S3 keeps seconds)
 * @param etag quoted, as S3 sends it; null for a filled object (derived from the key)
 * @param headers what the object answers with besides size, type, ETag and date, names
 *     lower-case ({@code x-amz-meta-*}, {@code content-disposition}, {@code cache-control},
 *     {@code x-amz-checksum-sha256}...); null for a filled object (metadata derived from the key)
 * @param body the bytes; null for a filled object (a pattern of {@code size} bytes that starts
 *     with its type's magic number)
 */
record Blob(long size, String contentType, long lastModified, String etag,
    Map<String, String> headers, byte[] body) {

  boolean filled() {
    return body == null;
  }
}
