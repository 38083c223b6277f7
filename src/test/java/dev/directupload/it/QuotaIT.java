package dev.directupload.it;

import dev.directupload.local.LocalS3;
import org.junit.jupiter.api.BeforeAll;

/** {@link QuotaContract} over the default registry, in the heap. */
class QuotaIT extends QuotaContract {
  @BeforeAll
  static void start() throws Exception {
    s3 = LocalS3.inMemory(false).withBucket(BUCKET);
    app = AppUnderTest.start(s3, BUCKET, QUOTA_SETTINGS);
  }
}
