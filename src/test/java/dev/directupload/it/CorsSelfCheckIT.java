package dev.directupload.it;

import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * {@code api/health} tells whether the bucket would let the page upload, by sending S3Proxy the
 * same CORS preflight a browser sends: with CORS rules for loopback pages, and without any.
 */
class CorsSelfCheckIT {

  private static JsonObject cors(ApiClient app) throws Exception {
    HttpResponse<String> health = app.get("api/health");
    assertEquals(200, health.statusCode(), health.body());
    return json(health).getAsJsonObject("cors");
  }

  @Test
  void bucketWithRulesForThePageIsOk() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(true).withBucket("with-cors");
        AppUnderTest app = AppUnderTest.start(store, "with-cors")) {
      JsonObject cors = cors(app);
      assertTrue(cors.get("ok").getAsBoolean(), cors.toString());
      assertTrue(cors.get("problem").isJsonNull());
      assertTrue(app.base.startsWith(cors.get("origin").getAsString()), cors.toString());
    }
  }

  @Test
  void bucketWithoutRulesIsReportedWithTheRulesToApply() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(false).withBucket("without-cors");
        AppUnderTest app = AppUnderTest.start(store, "without-cors")) {
      JsonObject cors = cors(app);
      assertFalse(cors.get("ok").getAsBoolean(), cors.toString());
      String origin = cors.get("origin").getAsString();
      assertTrue(cors.get("problem").getAsString()
          .startsWith("The bucket does not allow uploads from " + origin), cors.toString());
      JsonObject rule = cors.getAsJsonArray("rules").get(0).getAsJsonObject();
      assertEquals(origin, rule.getAsJsonArray("AllowedOrigins").get(0).getAsString());
      assertEquals("[\"ETag\"]", rule.getAsJsonArray("ExposeHeaders").toString());
    }
  }

  @Test
  void configuredPublicOriginIsTheOneChecked() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(true).withBucket("public-origin");
        AppUnderTest app = AppUnderTest.start(store, "public-origin",
            "public-origin", "https://uploads.example.com")) {
      JsonObject cors = cors(app);
      assertEquals("https://uploads.example.com", cors.get("origin").getAsString());
      assertFalse(cors.get("ok").getAsBoolean(), "S3Proxy's rules only allow loopback pages");
    }
  }
}
