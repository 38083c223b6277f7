package dev.directupload.upload;

import dev.directupload.events.Delivery;
import dev.directupload.events.Event;
import dev.directupload.events.WebhookDeliverer;
import dev.directupload.registry.Upload;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The events the use cases record with their changes, when webhooks are on. An event's id is
 * made from its upload and its type ({@code evt_<upload id>_completed}): an upload completes,
 * is deleted and expires at most once each, so two instances that record the same event give it
 * the same {@code webhook-id}, and the host application drops the copy.
 */
final class UploadEvents {
  private final Optional<WebhookDeliverer> deliverer;
  private final Function<Upload, Optional<URI>> publicUrl;

  UploadEvents(Optional<WebhookDeliverer> deliverer, Function<Upload, Optional<URI>> publicUrl) {
    this.deliverer = deliverer;
    this.publicUrl = publicUrl;
  }

  /** {@code upload.completed}: the file as the API lists it, and its owner, key and checksum. */
  List<Event> completed(Upload completed, Instant at) {
    if (deliverer.isEmpty()) {
      return List.of();
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", completed.id());
    data.put("name", completed.filename());
    data.put("size", completed.size());
    data.put("contentType", completed.contentType());
    data.put("uploadedAt", completed.completedAt().orElseThrow().toString());
    data.put("downloadUrl", "api/files/" + completed.id() + "/download");
    data.put("publicUrl", publicUrl.apply(completed).map(URI::toString).orElse(null));
    data.put("owner", completed.owner());
    data.put("key", completed.key());
    completed.checksumSha256().ifPresent(sum -> data.put("checksumSha256", sum));
    if (!completed.metadata().isEmpty()) {
      data.put("metadata", Map.copyOf(completed.metadata()));
    }
    return List.of(event(Event.UPLOAD_COMPLETED, completed, data, at));
  }

  /** {@code upload.deleted}: a completed file deleted, or a pending upload cancelled. */
  List<Event> deleted(Upload upload, Instant at) {
    return deliverer.isEmpty() ? List.of()
        : List.of(event(Event.UPLOAD_DELETED, upload, brief(upload), at));
  }

  /** {@code upload.expired}: a pending upload dropped because its time ran out. */
  List<Event> expired(Upload upload, Instant at) {
    return deliverer.isEmpty() ? List.of()
        : List.of(event(Event.UPLOAD_EXPIRED, upload, brief(upload), at));
  }

  /** Hands what a change recorded to the deliverer, for an attempt right away. */
  void announce(List<Delivery> recorded) {
    deliverer.ifPresent(d -> recorded.forEach(d::announce));
  }

  /**
   * Records and announces {@code events} outside a registry change: for a completion this
   * instance learns of in the store (the registry then changes without events of its own).
   */
  void publish(List<Event> events) {
    deliverer.ifPresent(d -> events.forEach(d::publish));
  }

  private static Map<String, Object> brief(Upload upload) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", upload.id());
    data.put("owner", upload.owner());
    data.put("key", upload.key());
    data.put("name", upload.filename());
    data.put("size", upload.size());
    data.put("contentType", upload.contentType());
    return data;
  }

  private static Event event(String type, Upload upload, Map<String, Object> data, Instant at) {
    String kind = type.substring(type.indexOf('.') + 1);
    return new Event("evt_" + upload.id() + "_" + kind, type,
        at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS), upload.id(), data);
  }
}
