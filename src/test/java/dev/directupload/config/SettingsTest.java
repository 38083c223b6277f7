package dev.directupload.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Settings come from one of three sources in a fixed order, and a bad value stops start-up by name. */
class SettingsTest {

  private static Settings load(String... pairs) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      values.put(pairs[i], pairs[i + 1]);
    }
    return Settings.load(values::get);
  }

  @Test
  void onlyTheBucketIsRequiredAndEverythingElseHasItsDocumentedDefault() {
    Settings s = load("bucket", "my-bucket");
    assertEquals("my-bucket", s.bucket());
    assertEquals(Optional.empty(), s.endpoint());
    assertEquals(Optional.empty(), s.region());
    assertFalse(s.pathStyle());
    assertEquals("uploads/", s.keyPrefix());
    assertEquals(5L << 30, s.maxFileSize());
    assertEquals(Duration.ofMinutes(15), s.urlExpiry());
    assertFalse(s.publicRead());
    assertEquals(100_000, s.maxPending());
    assertEquals(100, s.maxPendingPerUser());
    assertTrue(s.writeOnce());
    assertEquals(Duration.ofSeconds(10), s.bodyTimeout());
    assertEquals(600, s.rateLimit());
    assertEquals(List.of(), s.allowedOrigins());
    assertTrue(s.allowsType("application/pdf"));
    assertTrue(s.allowsType("image/heif"), "what Chromium reports for .heic photos");
  }

  @Test
  void missingBucketStopsStartUpNamingTheKeyAndItsEnvironmentVariable() {
    InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> load());
    assertEquals("bucket", e.settingName());
    assertTrue(e.getMessage().contains("direct-upload.bucket"), e.getMessage());
    assertTrue(e.getMessage().contains("DIRECT_UPLOAD_BUCKET"), e.getMessage());
  }

  @Test
  void systemPropertyBeatsEnvironmentWhichBeatsContextParameter() {
    Map<String, String> props = Map.of("direct-upload.key-prefix", "from-property/");
    Map<String, String> env = Map.of("DIRECT_UPLOAD_KEY_PREFIX", "from-env/",
        "DIRECT_UPLOAD_BUCKET", "env-bucket");
    Map<String, String> context = Map.of("direct-upload.key-prefix", "from-context/",
        "direct-upload.bucket", "context-bucket", "direct-upload.max-pending", "7");
    Settings s = Settings.load(SettingSource.standard(props::get, env, context::get));
    assertEquals("from-property/", s.keyPrefix());
    assertEquals("env-bucket", s.bucket());
    assertEquals(7, s.maxPending());
  }

  @Test
  void defaultAllowListLeavesOutTypesThatCanCarryScript() {
    Settings s = load("bucket", "b-1");
    assertFalse(s.allowsType("image/svg+xml"));
    assertFalse(s.allowsType("text/html"));
    assertFalse(s.allowsType("application/javascript"));
  }

  @Test
  void allowedTypesAcceptFamiliesAndEverything() {
    Settings family = load("bucket", "b-1", "allowed-types", "image/*, Application/PDF");
    assertEquals(List.of("image/*", "application/pdf"), family.allowedTypes());
    assertTrue(family.allowsType("image/svg+xml"));
    assertTrue(family.allowsType("application/pdf"));
    assertFalse(family.allowsType("text/plain"));
    assertTrue(load("bucket", "b-1", "allowed-types", "*/*").allowsType("text/html"));
  }

  @Test
  void endpointRegionAndPathStyleAreRead() {
    Settings s = load("bucket", "b-1", "endpoint", "http://127.0.0.1:9000", "region", "eu-west-1",
        "path-style", "TRUE", "public-read", "true");
    assertEquals(Optional.of(URI.create("http://127.0.0.1:9000")), s.endpoint());
    assertEquals(Optional.of("eu-west-1"), s.region());
    assertTrue(s.pathStyle());
    assertTrue(s.publicRead());
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "bucket|ab|3 to 63",
      "bucket|bad bucket|3 to 63",
      "bucket|fast--usw2-az1--x-s3|directory buckets",
      "endpoint|ftp://example.com|http or https",
      "endpoint|not a url|URL",
      "region|EU West|region such as",
      "path-style|yes|true or false",
      "key-prefix|/absolute/|not starting with /",
      "key-prefix|a//b/|no empty",
      "key-prefix|a/../b/|'..'",
      "max-file-size|0|1 B..5 TiB",
      "max-file-size|6TiB|at most 5 TiB",
      "multipart-threshold|4MiB|5 MiB..5 GiB",
      "multipart-threshold|6GiB|5 MiB..5 GiB",
      "part-size|1MiB|parts of 5 MiB to 5 GiB",
      "part-size|6GiB|parts of 5 MiB to 5 GiB",
      "part-size|big|byte count",
      "max-file-size|lots|byte count",
      "max-file-size|-5|byte count",
      "allowed-types|images|media types",
      "allowed-types|text/html;charset=utf-8|media types",
      "allowed-types|' , '|at least one",
      "url-expiry|15m|ISO-8601",
      "url-expiry|P8D|PT1S..P7D",
      "url-expiry|PT0S|PT1S..P7D",
      "public-read|1|true or false",
      "max-pending|0|at least 1",
      "max-pending|many|whole number",
      "public-origin|https://app.example.com/upload|origin such as",
      "public-origin|app.example.com|origin such as",
      "public-origin|ftp://app.example.com|origin such as",
      "allowed-origins|https://a.example, not-an-origin|origin such as",
      "rate-limit|-1|at least 0",
      "index-refresh|PT0.5S|PT0S (off) or PT1S..PT1H",
      "index-refresh|PT2H|PT0S (off) or PT1S..PT1H",
      "rate-limit|fast|whole number",
  })
  void rejectsBadValueNamingTheKeyAndWhatWasExpected(String name, String value, String expected) {
    InvalidSettingException e = assertThrows(InvalidSettingException.class,
        () -> load("bucket", "b-1", name, value));
    assertEquals(name, e.settingName());
    assertTrue(e.getMessage().contains("direct-upload." + name), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void publicOriginIsNormalisedToSchemeHostAndPort() {
    assertEquals(Optional.of("https://app.example.com:8443"),
        load("bucket", "b-1", "public-origin", "https://App.Example.com:8443").publicOrigin());
    assertEquals(Optional.empty(), load("bucket", "b-1").publicOrigin());
  }

  @Test
  void describeNamesEverySettingForTheStartUpLog() {
    String line = load("bucket", "b-1").describe();
    for (String name : List.of("bucket=b-1", "endpoint=AWS", "key-prefix=uploads/",
        "max-file-size=5 GiB", "url-expiry=PT15M", "max-pending=10000")) {
      assertTrue(line.contains(name), line);
    }
  }
}
