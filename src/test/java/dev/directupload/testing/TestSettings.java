package dev.directupload.testing;

import dev.directupload.config.Settings;
import java.util.HashMap;
import java.util.Map;

/** Settings for tests: the defaults, a fixed bucket and region, and any overrides given. */
public final class TestSettings {
  private TestSettings() {}

  /** {@code overrides} alternate names and values: {@code "max-file-size", "1MB"}. */
  public static Settings with(String... overrides) {
    Map<String, String> values = new HashMap<>();
    values.put("bucket", "test-bucket");
    values.put("region", "us-east-1");
    values.put("endpoint", FakeStore.ENDPOINT);
    values.put("path-style", "true");
    for (int i = 0; i < overrides.length; i += 2) {
      values.put(overrides[i], overrides[i + 1]);
    }
    return Settings.load(values::get);
  }
}
