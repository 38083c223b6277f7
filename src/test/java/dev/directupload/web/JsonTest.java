package dev.directupload.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.directupload.registry.MultipartPlan;
import dev.directupload.registry.Upload;
import dev.directupload.storage.PresignedPut;
import dev.directupload.upload.PresignedUpload;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written presign answer is the very text Gson makes of the documented records. */
class JsonTest {
  /** Every character JSON escapes, some it must not, and text beyond the BMP. */
  private static final String ALPHABET = "aZ09-_.~%=&?/:+ <>'\"\\\u2028\u2029\u00e9\u4e2d\ud83d\ude00"
      + "\000\001\b\t\n\013\f\r\037\177";

  /** The presign answers as records, for Gson to write the reference text. */
  private record PresignView(String id, String key, String method, String url,
      Map<String, String> headers, String expiresAt) {}

  private record MultipartPresignView(String id, String key, String expiresAt,
      Views.MultipartView multipart) {}

  @Test
  void presignAnswersEqualGsonsTextForRandomValues() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int i = 0; i < 2000; i++) {
      Instant at = Instant.ofEpochSecond(random.nextInt(Integer.MAX_VALUE), random.nextInt(3) * 1000);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int h = random.nextInt(5); h > 0; h--) {
        headers.put(text(random), text(random));
      }
      PresignedPut put = new PresignedPut(text(random), headers, at);
      Upload upload = new Upload(text(random), "owner", "owner", text(random), "f", "t", 1,
          Optional.empty(), Map.of(), at, at.plusSeconds(60), Optional.empty(), Optional.empty(),
          random.nextBoolean() ? Optional.empty()
              : Optional.of(new MultipartPlan(Optional.empty(), 1L + random.nextInt(),
                  1 + random.nextInt(10_000))));
      PresignedUpload presign = new PresignedUpload(upload,
          upload.multipart().isPresent() ? Optional.empty() : Optional.of(put));

      Object documented = upload.multipart()
          .<Object>map(plan -> new MultipartPresignView(upload.id(), upload.key(),
              upload.expiresAt().toString(),
              new Views.MultipartView(plan.partSize(), plan.partCount())))
          .orElseGet(() -> new PresignView(upload.id(), upload.key(), "PUT", put.url(),
              put.headers(), put.expiresAt().toString()));
      assertEquals(Json.text(documented), Views.presign(presign).close(), "seed " + seed);
    }
  }

  private static String text(Random random) {
    StringBuilder text = new StringBuilder();
    for (int n = random.nextInt(40); n > 0; n--) {
      int at = random.nextInt(ALPHABET.length());
      char c = ALPHABET.charAt(at);
      text.append(Character.isHighSurrogate(c) ? ALPHABET.substring(at, at + 2) : c);
    }
    return text.toString();
  }
}
