package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The page shows the limits api/config states, in the server's terms where it gives them: the
 * largest file in the setting's own unit ("20 MB"), else in powers of 1024 that say so
 * ("19.1 MiB", never "MB" for 1,048,576 bytes); the allowed types as extensions with their
 * media types on hover; the owner's usage when the server counts a quota. The answers are canned
 * by a filter in front of the real servlet, so both the older and the newer shape are shown.
 */
class ServerLimitsIT extends PageTest {
  private static final String LIMITS = """
      "urlExpirySeconds":900,"multipartThreshold":67108864,"partSize":16777216""";

  private static volatile String answer;

  /** Answers api/config with {@link #answer}. */
  static final class CannedConfig extends HttpFilter {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
        throws IOException {
      resp.setStatus(200);
      resp.setContentType("application/json");
      resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
      resp.setHeader("Cache-Control", "no-store");
      resp.getWriter().write(answer);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.start(context -> context.addFilter(new FilterHolder(new CannedConfig()),
        "/api/config", EnumSet.of(DispatcherType.REQUEST))));
  }

  private void openWith(String config) {
    answer = config;
    page.open();
  }

  @Test
  void limitInTheServersOwnUnitAndTypesAsExtensions() throws Exception {
    openWith("{\"maxFileSize\":20000000,\"maxFileSizeText\":\"20 MB\","
        + "\"allowedTypes\":[\"application/pdf\",\"image/heic\"],"
        + "\"extensions\":{\"application/pdf\":[\"pdf\"],\"image/heic\":[\"heic\",\"heif\"]},"
        + "\"quota\":null," + LIMITS + "}");

    assertEquals("Up to 20 MB per file: .pdf, .heic, .heif.", text(page.byId("limits")));
    List<WebElement> types = page.byId("limits").findElements(By.className("type-name"));
    assertEquals(List.of("application/pdf", "image/heic"),
        types.stream().map(t -> t.getAttribute("title")).toList(), "media types on hover");
    assertEquals(".heic, .heif", text(types.get(1)));
    assertFalse(page.byId("quota").isDisplayed(), "no quota, no usage line");
    browser.screenshot("limits");
  }

  @Test
  void olderServerGetsTheLimitInBinaryUnitsAndBuiltInExtensions() {
    openWith("{\"maxFileSize\":20000000,\"allowedTypes\":[\"application/pdf\",\"image/png\"],"
        + LIMITS + "}");

    assertEquals("Up to 19.1 MiB per file: .pdf, .png.", text(page.byId("limits")));
    assertEquals("image/png", page.byId("limits").findElements(By.className("type-name")).get(1)
        .getAttribute("title"));
  }

  @Test
  void longListOfTypesFoldsAwayAsExtensions() {
    openWith("{\"maxFileSize\":5368709120,\"maxFileSizeText\":\"5 GiB\",\"allowedTypes\":"
        + "[\"image/jpeg\",\"image/png\",\"application/pdf\",\"text/plain\",\"image/*\"],"
        + LIMITS + "}");

    assertEquals("Up to 5 GiB per file, 5 types, listed below.", text(page.byId("limits")));
    page.byId("types").findElement(By.tagName("summary")).click();
    assertEquals(".jpg, .jpeg, .jpe, .jfif, .png, .pdf, .txt, .text, .log, any image",
        text(page.byId("types-list")));
  }

  @Test
  void ownersUsageShowsWhenTheServerCountsAQuota() {
    openWith("{\"maxFileSize\":20000000,\"maxFileSizeText\":\"20 MB\","
        + "\"allowedTypes\":[\"*/*\"],\"quota\":{\"usedBytes\":2621440,\"maxBytes\":10485760,"
        + "\"usedFiles\":3,\"maxFiles\":0}," + LIMITS + "}");

    assertEquals("Up to 20 MB per file, any type.", text(page.byId("limits")));
    WebElement quota = page.byId("quota");
    assertTrue(quota.isDisplayed(), "the usage line");
    assertEquals("Your files: 2.5 MiB of 10 MiB · 3 files", text(quota));
  }
}
