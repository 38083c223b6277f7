package dev.directupload.upload;

import dev.directupload.registry.MultipartPlan;
import dev.directupload.registry.Upload;
import dev.directupload.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Unfinished multipart uploads, written to the bucket as well as the index: the store, not one
 * JVM, knows each one's plan, so any instance can sign its parts and complete it, and a restart
 * keeps it resumable. One small object per upload
 * ({@code <prefix>.direct-upload/multipart/<id>}, lines of {@code name=percent-encoded value}),
 * written when it is signed (with several instances) or started in the store, and deleted when it
 * ends. Extra metadata pairs are lines named {@code meta.<name>}.
 */
final class MultipartRecords {
  private final ObjectStore store;
  private final String prefix;

  MultipartRecords(ObjectStore store, String keyPrefix) {
    this.store = store;
    this.prefix = keyPrefix + ".direct-upload/multipart/";
  }

  void write(Upload upload) {
    MultipartPlan plan = upload.multipart().orElseThrow();
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("id", upload.id());
    fields.put("owner", upload.owner());
    fields.put("client", upload.client());
    fields.put("key", upload.key());
    fields.put("filename", upload.filename());
    fields.put("contentType", upload.contentType());
    fields.put("size", Long.toString(upload.size()));
    fields.put("createdAt", upload.createdAt().toString());
    fields.put("expiresAt", upload.expiresAt().toString());
    plan.storeUploadId().ifPresent(id -> fields.put("storeUploadId", id));
    fields.put("partSize", Long.toString(plan.partSize()));
    fields.put("partCount", Integer.toString(plan.partCount()));
    upload.metadata().forEach((name, value) -> fields.put("meta." + name, value));
    StringBuilder text = new StringBuilder();
    fields.forEach((name, value) ->
        text.append(name).append('=').append(PercentEncoding.encode(value)).append('\n'));
    store.putRecord(prefix + upload.id(), text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The pending upload recorded under {@code id}; empty when there is none or it is unreadable. */
  Optional<Upload> read(String id) {
    return store.getRecord(prefix + id).flatMap(body -> parse(id, body));
  }

  void delete(String id) {
    store.delete(prefix + id);
  }

  /** Calls {@code sink} with every recorded upload. */
  void forEach(Consumer<Upload> sink) {
    List<String> ids = new ArrayList<>();
    store.forEachKey(prefix, "", key -> ids.add(key.substring(prefix.length())));
    for (String id : ids) {
      read(id).ifPresent(sink);
    }
  }

  /** Deletes the records of uploads made before {@code before}; the id tells, no read needed. */
  int deleteMadeBefore(Instant before) {
    List<String> old = new ArrayList<>();
    store.forEachKey(prefix, "", key -> {
      String id = key.substring(prefix.length());
      if (!UploadIds.isWellFormed(id) || UploadIds.madeAt(id).isBefore(before)) {
        old.add(key);
      }
    });
    old.forEach(store::delete);
    return old.size();
  }

  private static Optional<Upload> parse(String id, byte[] body) {
    Map<String, String> fields = new HashMap<>();
    try {
      for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          fields.put(line.substring(0, eq), PercentEncoding.decode(line.substring(eq + 1)));
        }
      }
      if (!id.equals(fields.get("id"))) {
        return Optional.empty();
      }
      MultipartPlan plan = new MultipartPlan(Optional.ofNullable(fields.get("storeUploadId")),
          Long.parseLong(fields.get("partSize")), Integer.parseInt(fields.get("partCount")));
      Map<String, String> extra = new HashMap<>();
      fields.forEach((name, value) -> {
        if (name.startsWith("meta.")) {
          extra.put(name.substring(5), value);
        }
      });
      String owner = Objects.requireNonNull(fields.get("owner"));
      return Optional.of(new Upload(id, owner, fields.getOrDefault("client", owner),
          Objects.requireNonNull(fields.get("key")), Objects.requireNonNull(fields.get("filename")),
          Objects.requireNonNull(fields.get("contentType")), Long.parseLong(fields.get("size")),
          Optional.empty(), extra, Instant.parse(fields.get("createdAt")),
          Instant.parse(fields.get("expiresAt")), Optional.empty(), Optional.empty(),
          Optional.of(plan)));
    } catch (RuntimeException e) {
      // A record we cannot read (cut short, written by hand) is no upload anyone can resume.
      return Optional.empty();
    }
  }
}
