package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;

/**
 * The page reads {@code api/health} once and acts on what it says: a bucket whose CORS rules
 * would block uploads gets a banner naming the problem with the exact rules to apply (and a
 * button to copy them); a storage that does not answer goes to the error banner; a healthy
 * answer, or one from an older server without the {@code cors} field, shows nothing. The answers
 * are canned by a filter in front of the real servlet, so each shape is shown exactly.
 */
class HealthBannersIT extends PageTest {
  private static final String RULES = """
      [{"AllowedOrigins":["http://localhost:8080"],"AllowedMethods":["PUT"],\
      "AllowedHeaders":["content-type","x-amz-meta-*"],"ExposeHeaders":["ETag"],\
      "MaxAgeSeconds":3000}]""";
  private static final String CORS_PROBLEM = "The bucket answered the preflight for "
      + "http://localhost:8080 without Access-Control-Allow-Origin";

  private static volatile int status = 200;
  private static volatile String answer = "{}";
  /** Answers api/health with {@link #status} and {@link #answer} instead of the servlet. */
  static final class CannedHealth extends HttpFilter {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
        throws IOException {
      resp.setStatus(status);
      resp.setContentType("application/json");
      resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
      resp.setHeader("Cache-Control", "no-store");
      resp.getWriter().write(answer);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.start(context -> context.addFilter(new FilterHolder(new CannedHealth()),
        "/api/health", EnumSet.of(DispatcherType.REQUEST))));
  }

  private static String health(String status, String cors) {
    return "{\"status\":\"" + status + "\",\"problem\":null,\"files\":0,\"pending\":0"
        + (cors == null ? "" : ",\"cors\":" + cors) + "}";
  }

  /** Loads the page with this health answer and returns its verdict once it has one. */
  private String openWith(int httpStatus, String body) {
    status = httpStatus;
    answer = body;
    page.open();
    return (String) browser.waitUntil("the page to read api/health",
        d -> browser.js("return document.body.dataset.health || null"));
  }

  @Test
  void corsProblemShowsWhatIsWrongAndTheRulesToApply() throws Exception {
    String verdict = openWith(200, health("UP", "{\"ok\":false,\"origin\":\"http://localhost:8080\","
        + "\"problem\":\"" + CORS_PROBLEM + "\",\"rules\":" + RULES + "}"));

    assertEquals("cors", verdict);
    WebElement banner = page.byId("cors-banner");
    assertTrue(banner.isDisplayed(), "the CORS banner");
    assertEquals(CORS_PROBLEM + ".", text(page.byId("cors-problem")));
    assertEquals("http://localhost:8080", text(page.byId("cors-origin")));
    String shown = text(page.byId("cors-rules"));
    assertEquals(JsonParser.parseString(RULES), JsonParser.parseString(shown), "the rules");
    assertTrue(shown.startsWith("[\n  {\n    \"AllowedOrigins\": [\n      \"http://localhost:8080\""),
        "pretty-printed with two spaces: " + shown);
    assertFalse(page.byId("banner").isDisplayed(), "the error banner stays for errors");
    browser.fullPageScreenshot("cors-banner");

    browser.driver.setPermission("clipboard-read", "granted");
    browser.driver.setPermission("clipboard-write", "granted");
    WebElement copy = page.byId("cors-copy");
    assertEquals("Copy", text(copy));
    copy.click();
    browser.waitUntil("the button to say Copied", d -> text(copy).equals("Copied"));
    assertEquals(shown, browser.driver.executeAsyncScript(
        "navigator.clipboard.readText().then(arguments[0], (e) => arguments[0]('refused: ' + e))"));
  }

  @Test
  void withoutAClipboardCopySelectsTheRules() {
    openWith(200, health("UP", "{\"ok\":false,\"origin\":\"http://localhost:8080\","
        + "\"problem\":null,\"rules\":" + RULES + "}"));
    assertEquals("The bucket's CORS rules do not allow uploads from this page.",
        text(page.byId("cors-problem")));
    // As on a page served over plain http from another host: no async clipboard there.
    browser.js("Object.defineProperty(navigator, 'clipboard', { value: undefined })");

    WebElement copy = page.byId("cors-copy");
    copy.click();

    browser.waitUntil("the button to say Selected", d -> text(copy).equals("Selected"));
    assertEquals(text(page.byId("cors-rules")), browser.js("return String(window.getSelection())"));
  }

  @Test
  void storageDownGoesToTheErrorBanner() {
    expectConsoleErrors(entry -> entry.getMessage().startsWith(site.base
        + "api/health - Failed to load resource: the server responded with a status of 503"));
    String verdict = openWith(503, "{\"status\":\"DOWN\",\"problem\":\"Bucket browser-tests "
        + "does not answer\",\"files\":0,\"pending\":0,\"cors\":{\"ok\":false,\"origin\":"
        + "\"http://localhost:8080\",\"problem\":\"no answer\",\"rules\":" + RULES + "}}");

    assertEquals("down", verdict);
    assertEquals("The storage is not reachable: Bucket browser-tests does not answer.",
        text(page.byId("banner")));
    assertFalse(page.byId("cors-banner").isDisplayed());
  }

  @Test
  void healthyCorsShowsNoBanner() {
    assertEquals("up", openWith(200, health("UP", "{\"ok\":true,\"origin\":"
        + "\"http://localhost:8080\",\"problem\":null,\"rules\":" + RULES + "}")));
    assertFalse(page.byId("cors-banner").isDisplayed());
    assertFalse(page.byId("banner").isDisplayed());
  }

  @Test
  void olderServerWithoutCorsFieldShowsNoBanner() {
    assertEquals("up", openWith(200, health("UP", null)));
    assertFalse(page.byId("cors-banner").isDisplayed());
    assertFalse(page.byId("banner").isDisplayed());
  }
}
