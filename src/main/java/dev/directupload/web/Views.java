package dev.directupload.web;

import dev.directupload.upload.PresignedUpload;
import dev.directupload.upload.Upload;
import dev.directupload.upload.UploadService;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the API (section 3 of DESIGN.md), made from the service's values. */
final class Views {
  private Views() {}

  /** A listed file. {@code downloadUrl} is relative to the application, like every API path. */
  record FileView(String id, String name, long size, String contentType, String uploadedAt,
      String downloadUrl, String publicUrl) {}

  /** A pending upload, for a client resuming after a reload. */
  record PendingView(String id, String key, String name, long size, String contentType,
      String createdAt, String expiresAt) {}

  record PresignView(String id, String key, String method, String url,
      Map<String, String> headers, String expiresAt) {}

  record FilesView(List<FileView> files, String nextCursor) {}

  static FileView file(Upload u, UploadService service) {
    return new FileView(u.id(), u.filename(), u.size(), u.contentType(),
        u.completedAt().orElseThrow().toString(), "api/files/" + u.id() + "/download",
        service.publicUrl(u).map(Object::toString).orElse(null));
  }

  static PendingView pending(Upload u) {
    return new PendingView(u.id(), u.key(), u.filename(), u.size(), u.contentType(),
        u.createdAt().toString(), u.expiresAt().toString());
  }

  static PresignView presign(PresignedUpload p) {
    return new PresignView(p.upload().id(), p.upload().key(), "PUT", p.put().url(),
        p.put().headers(), p.put().expiresAt().toString());
  }
}
