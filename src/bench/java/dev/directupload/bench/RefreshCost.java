package dev.directupload.bench;

import dev.directupload.config.Settings;
import dev.directupload.local.LocalS3;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.storage.S3ObjectStore;
import dev.directupload.upload.BucketIndex;
import dev.directupload.upload.Caller;
import dev.directupload.upload.UploadRequest;
import dev.directupload.upload.UploadService;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What keeping several instances in step costs, against S3Proxy on loopback: a full index rebuild
 * of a bucket of {@code -Dfiles} objects (what an instance does at start-up) against one look at
 * the change records when nothing happened, and when {@code -Dchanges} files were completed
 * elsewhere. The look's cost should not grow with the bucket.
 *
 * <pre>mvn -Pbench test-compile exec:exec@refresh -Dfiles=20000 -Dchanges=100</pre>
 */
public final class RefreshCost {
  private RefreshCost() {}

  public static void main(String[] args) throws Exception {
    int files = Integer.getInteger("files", 20_000);
    int changes = Integer.getInteger("changes", 100);
    try (LocalS3 store = LocalS3.inMemory(false).withBucket("refresh");
        S3Client s3 = store.client()) {
      Settings settings = Settings.load(Map.of(
          "bucket", "refresh", "endpoint", store.endpoint().toString(),
          "region", LocalS3.REGION, "path-style", "true", "max-pending", "1000000",
          "checkpoint-interval", "PT0S")::get);
      var credentials = StaticCredentialsProvider.create(
          AwsBasicCredentials.create(LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY));
      long start = System.nanoTime();
      for (int i = 0; i < files; i++) {
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 22);
        s3.putObject(r -> r.bucket("refresh")
            .key("uploads/someone/2026/01/01/" + id + "/f.txt").contentType("text/plain")
            .metadata(Map.of("upload-id", id)), RequestBody.fromString("x"));
      }
      System.out.printf("filled the bucket with %,d objects in %.1f s%n", files,
          (System.nanoTime() - start) / 1e9);

      try (S3ObjectStore objects = S3ObjectStore.create(settings, credentials)) {
        // The index as a start reads it; with no checkpoint in the bucket, every object is read.
        MemoryRegistry registry = new MemoryRegistry();
        BucketIndex index = new BucketIndex(settings, objects, registry, Clock.systemUTC());
        UploadService here = new UploadService(settings, objects, registry, Clock.systemUTC(),
            index);
        UploadService elsewhere = new UploadService(settings, objects,
            new MemoryRegistry(), Clock.systemUTC());
        start = System.nanoTime();
        index.load();
        System.out.printf("full rebuild (list + HeadObject each, no checkpoint): %.0f ms%n",
            (System.nanoTime() - start) / 1e6);

        here.refreshIndex(); // warm-up
        double[] idle = new double[50];
        for (int i = 0; i < idle.length; i++) {
          long t = System.nanoTime();
          here.refreshIndex();
          idle[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(idle);
        System.out.printf("look at the changes, nothing new: median %.2f ms, max %.2f ms%n",
            idle[idle.length / 2], idle[idle.length - 1]);

        List<String> completed = new ArrayList<>();
        for (int i = 0; i < changes; i++) {
          var presigned = elsewhere.presign(Caller.anonymous("127.0.0.1"),
              new UploadRequest("c" + i + ".txt", "text/plain", 1L, null));
          s3.putObject(r -> r.bucket("refresh").key(presigned.upload().key())
              .contentType("text/plain").metadata(Map.of(
                  "upload-id", presigned.upload().id(),
                  "filename", presigned.upload().filename(),
                  "owner", "anonymous")), RequestBody.fromString("x"));
          elsewhere.complete(Caller.anonymous("127.0.0.1"), presigned.upload().id());
          completed.add(presigned.upload().id());
        }
        long t = System.nanoTime();
        int applied = here.refreshIndex();
        System.out.printf("look at the changes, %d completed elsewhere: %.1f ms (%d applied)%n",
            completed.size(), (System.nanoTime() - t) / 1e6, applied);
      }
    }
  }
}
