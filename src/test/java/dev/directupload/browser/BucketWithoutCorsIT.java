package dev.directupload.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against a real bucket without CORS rules, the page warns before anyone uploads: the server's
 * own self-check (not a canned answer) reaches the banner, with rules naming the page's origin.
 */
class BucketWithoutCorsIT {
  private static LocalSite site;
  private static Chromium browser;

  @BeforeAll
  static void start() throws Exception {
    site = LocalSite.start(false, context -> { });
    browser = Chromium.start(1100, 900);
  }

  @AfterAll
  static void stop() throws Exception {
    LocalSite.closeBoth(browser, site);
  }

  @Test
  void pageShowsTheServersCorsVerdictAndTheRulesForItsOrigin() {
    UploadPage page = new UploadPage(browser, site);
    page.open();
    Object verdict = browser.waitUntil("the page to read api/health",
        d -> browser.js("return document.body.dataset.health || null"));
    assertEquals("cors", verdict);
    assertTrue(page.byId("cors-banner").isDisplayed());
    assertFalse(page.byId("banner").isDisplayed(), "a CORS problem is not an outage");
    String origin = page.byId("cors-origin").getText().trim();
    assertTrue(site.base.startsWith(origin), origin + " is the page's origin");
    assertTrue(page.byId("cors-problem").getText().contains("does not allow uploads from "
        + origin), page.byId("cors-problem").getText());
    JsonArray rules = JsonParser.parseString(page.byId("cors-rules").getText()).getAsJsonArray();
    assertEquals(origin, rules.get(0).getAsJsonObject().getAsJsonArray("AllowedOrigins").get(0)
        .getAsString());
    browser.assertNoConsoleErrors();
  }
}
