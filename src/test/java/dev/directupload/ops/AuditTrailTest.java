package dev.directupload.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.testing.AuditCapture;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import dev.directupload.upload.Caller;
import dev.directupload.upload.IndexSource;
import dev.directupload.upload.Integrations;
import dev.directupload.upload.PresignedUpload;
import dev.directupload.upload.UploadRequest;
import dev.directupload.upload.UploadService;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The use cases write one audit line per presign, complete, delete and expiry, each one JSON
 * object with the time, the action, the outcome, who and which upload, and nothing that signs
 * or authorizes anything.
 */
class AuditTrailTest {
  private static final Caller ALICE = Caller.user("alice", "192.0.2.7");
  private final Settings settings = TestSettings.with();
  private final FakeStore store = new FakeStore(settings);
  private final MemoryRegistry registry = new MemoryRegistry();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));
  private final UploadService service = new UploadService(settings, store, registry, clock,
      IndexSource.NONE, new Integrations(Optional.empty(), Optional.empty(),
          new AuditTrail(clock)));
  private final AuditCapture audit = new AuditCapture();

  @AfterEach
  void close() {
    audit.close();
    store.close();
  }

  private PresignedUpload presign(String name) {
    return service.presign(ALICE, new UploadRequest(name, "text/plain", 12L, null));
  }

  @Test
  void presignCompleteAndDeleteEachWriteOneLine() {
    PresignedUpload p = presign("report.txt");
    store.putAsSigned(store.lastSpec);
    service.complete(ALICE, p.upload().id());
    service.delete(ALICE, p.upload().id());

    List<JsonObject> lines = audit.json();
    assertEquals(List.of("presign", "complete", "delete"),
        lines.stream().map(l -> l.get("action").getAsString()).toList());
    for (JsonObject line : lines) {
      assertEquals("ok", line.get("outcome").getAsString());
      assertEquals("alice", line.get("owner").getAsString());
      assertEquals("192.0.2.7", line.get("client").getAsString());
      assertEquals(p.upload().id(), line.get("uploadId").getAsString());
      assertEquals(p.upload().key(), line.get("key").getAsString());
      assertEquals(12, line.get("size").getAsLong());
      assertEquals("text/plain", line.get("type").getAsString());
      assertEquals(clock.instant(), Instant.parse(line.get("time").getAsString()));
    }
    assertEquals("completed", lines.get(2).get("state").getAsString());
    String url = p.put().orElseThrow().url();
    assertTrue(url.contains("X-Amz-Signature="), url);
    String signature = url.substring(url.indexOf("X-Amz-Signature=") + 16);
    for (String line : audit.lines()) {
      assertFalse(line.contains(signature), "a URL signature in " + line);
      assertFalse(line.contains("X-Amz-"), "a URL's query in " + line);
      assertFalse(line.contains("\n"), "one line each");
    }
  }

  @Test
  void expiryWritesWhetherTheUploadWasCompletedOrDropped() {
    PresignedUpload arrived = presign("arrived.txt");
    store.putAsSigned(store.lastSpec);
    PresignedUpload missing = presign("missing.txt");
    clock.advance(Duration.ofDays(2));
    service.expirePending();

    List<JsonObject> expired = audit.of("expire");
    assertEquals(2, expired.size(), audit.lines().toString());
    JsonObject completed = expired.stream().filter(l -> l.get("uploadId").getAsString()
        .equals(arrived.upload().id())).findFirst().orElseThrow();
    assertEquals("completed", completed.get("outcome").getAsString());
    JsonObject dropped = expired.stream().filter(l -> l.get("uploadId").getAsString()
        .equals(missing.upload().id())).findFirst().orElseThrow();
    assertEquals("dropped", dropped.get("outcome").getAsString());
    assertFalse(dropped.has("client"), "nobody asked: no client address");
    assertTrue(dropped.has("owner"));
  }
}
