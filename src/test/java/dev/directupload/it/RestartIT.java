package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A start never waits for the bucket: the app answers at once while its index is read in the
 * background (health says "loading", the list says it is not complete), and once read, a restart
 * lists exactly the files that are in the bucket, with a checkpoint to start from or without.
 * Over real HTTP against S3Proxy, through a proxy that can hold the store's answers.
 */
class RestartIT {

  private static String upload(ApiClient app, String name) throws Exception {
    byte[] content = bytes("content of " + name);
    JsonObject presign = app.presign(name, "text/plain", content.length);
    assertEquals(200, app.putAsBrowser(presign, content).statusCode());
    String id = presign.get("id").getAsString();
    assertEquals(200, app.post("api/uploads/" + id + "/complete", "{}").statusCode());
    return id;
  }

  @Test
  void theAppAnswersAtOnceWhileTheStoreDoesNotAndListsEverythingOnceItDoes() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(false).withBucket("slow")) {
      List<String> ids = new ArrayList<>();
      try (AppUnderTest first = AppUnderTest.start(store, "slow")) {
        for (int i = 0; i < 5; i++) {
          ids.add(upload(first, "f" + i + ".txt"));
        }
      }
      try (FaultProxy proxy = new FaultProxy(store.endpoint())) {
        proxy.mode(FaultProxy.Mode.HANG);
        try (AppUnderTest restarted = AppUnderTest.start(proxy.endpoint(), "slow",
            "storage-timeout", "PT2S")) {
          HttpResponse<String> files = restarted.get("api/files");
          assertEquals(200, files.statusCode(), files.body());
          assertFalse(json(files).get("complete").getAsBoolean());
          HttpResponse<String> health = restarted.get("api/health");
          assertEquals("loading",
              json(health).getAsJsonObject("index").get("state").getAsString(), health.body());

          proxy.mode(FaultProxy.Mode.PASS);
          assertEquals(new HashSet<>(ids), new HashSet<>(restarted.listedIds()));
          HttpResponse<String> ready = restarted.awaitHealth(200);
          assertEquals("ready",
              json(ready).getAsJsonObject("index").get("state").getAsString(), ready.body());
          assertEquals(5, json(ready).getAsJsonObject("index").get("files").getAsInt());
        }
      }
    }
  }

  @Test
  void restartsListExactlyTheBucketWithACheckpointAndAfterItIsLost() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(false).withBucket("restarts");
        S3Client s3 = store.client()) {
      Set<String> ids = new HashSet<>();
      try (AppUnderTest first = AppUnderTest.start(store, "restarts")) {
        first.awaitCompleteList();
        for (int i = 0; i < 12; i++) {
          ids.add(upload(first, "before-" + i + ".txt"));
        }
      }
      // The second start reads each file once and writes a checkpoint; the third starts from it.
      try (AppUnderTest second = AppUnderTest.start(store, "restarts")) {
        assertEquals(ids, new HashSet<>(second.listedIds()));
        String gone = ids.iterator().next();
        assertEquals(204, second.delete("api/uploads/" + gone).statusCode());
        ids.remove(gone);
        ids.add(upload(second, "after.txt"));
      }
      assertTrue(checkpoints(s3) > 0, "a checkpoint was written");
      try (AppUnderTest third = AppUnderTest.start(store, "restarts")) {
        assertEquals(ids, new HashSet<>(third.listedIds()));
      }
      // Checkpoints lost: slower, never wrong.
      for (var object : s3.listObjectsV2(r -> r.bucket("restarts")
          .prefix("uploads/.direct-upload/index/")).contents()) {
        s3.deleteObject(r -> r.bucket("restarts").key(object.key()));
      }
      try (AppUnderTest fourth = AppUnderTest.start(store, "restarts")) {
        assertEquals(ids, new HashSet<>(fourth.listedIds()));
      }
    }
  }

  private static int checkpoints(S3Client s3) {
    return s3.listObjectsV2(r -> r.bucket("restarts").prefix("uploads/.direct-upload/index/"))
        .keyCount();
  }
}
