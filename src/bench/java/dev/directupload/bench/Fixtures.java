package dev.directupload.bench;

import dev.directupload.config.Settings;
import dev.directupload.storage.PutSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** What every presign benchmark signs: the shape of a real upload from the page. */
final class Fixtures {
  static final String ACCESS_KEY = "AKIDEXAMPLE";
  static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  static final String REGION = "us-east-1";
  static final String ENDPOINT = "http://127.0.0.1:9000";
  static final String BUCKET = "direct-upload";
  static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
      AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
  static final String KEY =
      "uploads/anonymous/2026/11/29/01JDQ5J0Q7Z4XW6V2T8N9K3M5P/holiday photo (1).jpg";
  static final PutSpec SPEC = new PutSpec(KEY, "image/jpeg", 3_456_789,
      Optional.of("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
      Map.of("upload-id", "01JDQ5J0Q7Z4XW6V2T8N9K3M5P", "filename", "holiday%20photo%20(1).jpg",
          "owner", "anonymous"),
      false, Duration.ofMinutes(15), Optional.empty(), true);

  private Fixtures() {}

  static Settings settings(String... overrides) {
    Map<String, String> values = new java.util.HashMap<>(Map.of(
        "bucket", BUCKET, "region", REGION, "endpoint", ENDPOINT, "path-style", "true",
        "max-pending", "100000000", "rate-limit", "0"));
    for (int i = 0; i < overrides.length; i += 2) {
      values.put(overrides[i], overrides[i + 1]);
    }
    return Settings.load(values::get);
  }
}
