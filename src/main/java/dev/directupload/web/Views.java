package dev.directupload.web;

import dev.directupload.registry.MultipartPlan;
import dev.directupload.registry.Upload;
import dev.directupload.upload.PartsInStore;
import dev.directupload.upload.PresignedUpload;
import dev.directupload.upload.SignedPart;
import dev.directupload.upload.UploadService;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the API (section 3 of DESIGN.md), made from the service's values. */
final class Views {
  private Views() {}

  /** A listed file. {@code downloadUrl} is relative to the application, like every API path. */
  record FileView(String id, String name, long size, String contentType, String uploadedAt,
      String downloadUrl, String publicUrl) {}

  /** A pending upload, for a client resuming after a reload; {@code multipart} null for a PUT. */
  record PendingView(String id, String key, String name, long size, String contentType,
      String createdAt, String expiresAt, MultipartView multipart) {}

  /** Part n covers bytes [(n - 1) * partSize, min(n * partSize, size)). */
  record MultipartView(long partSize, int partCount) {}

  record SignedPartView(int partNumber, String url, Map<String, String> headers) {}

  record SignedPartsView(List<SignedPartView> parts, String expiresAt) {}

  record StoredPartView(int partNumber, long size, String etag) {}

  /** The plan with the parts stored, so a client that lost the presign answer can resume. */
  record StoredPartsView(long partSize, int partCount, List<StoredPartView> parts) {}

  /** {@code complete} is false while the file list is still loading after a start. */
  record FilesView(List<FileView> files, String nextCursor, boolean complete) {}

  static FileView file(Upload u, UploadService service) {
    return new FileView(u.id(), u.filename(), u.size(), u.contentType(),
        u.completedAt().orElseThrow().toString(), "api/files/" + u.id() + "/download",
        service.publicUrl(u).map(Object::toString).orElse(null));
  }

  static PendingView pending(Upload u) {
    return new PendingView(u.id(), u.key(), u.filename(), u.size(), u.contentType(),
        u.createdAt().toString(), u.expiresAt().toString(),
        u.multipart().map(Views::multipart).orElse(null));
  }

  /**
   * The presign answer, written by hand ({@link Json.Text}) because it is the API's hot path; the
   * same text Gson would make of the equivalent records ({@code JsonTest} compares them):
   * {@code {id, key, method, url, headers, expiresAt}}, or for a multipart upload
   * {@code {id, key, expiresAt, multipart: {partSize, partCount}}} with no URL of its own.
   */
  static Json.Text presign(PresignedUpload p) {
    Upload u = p.upload();
    Json.Text text = new Json.Text().field("id", u.id()).field("key", u.key());
    if (p.put().isEmpty()) {
      MultipartPlan plan = u.multipart().orElseThrow();
      return text.field("expiresAt", u.expiresAt().toString())
          .object("multipart").field("partSize", plan.partSize())
          .field("partCount", plan.partCount()).end();
    }
    var put = p.put().get();
    return text.field("method", "PUT").field("url", put.url()).field("headers", put.headers())
        .field("expiresAt", put.expiresAt().toString());
  }

  private static MultipartView multipart(MultipartPlan plan) {
    return new MultipartView(plan.partSize(), plan.partCount());
  }

  /** Signed parts; they all expire together (signed in the same instant with the same expiry). */
  static SignedPartsView signedParts(List<SignedPart> parts) {
    return new SignedPartsView(parts.stream().map(p -> new SignedPartView(p.partNumber(),
        p.put().url(), p.put().headers())).toList(),
        parts.get(0).put().expiresAt().toString());
  }

  static StoredPartsView storedParts(PartsInStore stored) {
    MultipartPlan plan = stored.plan();
    return new StoredPartsView(plan.partSize(), plan.partCount(), stored.parts().stream()
        .map(p -> new StoredPartView(p.partNumber(), p.size(), p.etag())).toList());
  }
}
