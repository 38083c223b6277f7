package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;

/**
 * The page follows what the server (and the store) answer beyond the happy path: a refusal
 * that trying again cannot change (a host application's hook, content that is not its type) is
 * shown with the server's message and no Retry; one that can pass (a full quota, too many
 * unfinished uploads, a hook that does not answer) fails with Retry; a list the server is still
 * reading after a start shows what it knows and says more is coming; a PUT the store answers
 * 412 (the object is already there) is completed. The server's answers are canned by a filter
 * in front of the real servlets; the 412 comes from a {@link StoreProxy}.
 */
class ServerAnswersIT extends PageTest {
  /** File name → the status and body that its presign is answered with. */
  private static final Map<String, Canned> PRESIGNS = new ConcurrentHashMap<>();
  private static volatile Canned complete;
  private static volatile String filesWhileIndexing;

  @TempDir
  static Path folder;

  private record Canned(int status, String body) {
    static Canned error(int status, String code, String message) {
      return new Canned(status, "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message
          + "\"}}");
    }
  }

  /** Answers presigns, completes and the files list as the fields above say; else the app does. */
  static final class CannedAnswers extends HttpFilter {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
        throws IOException, ServletException {
      String path = req.getRequestURI().substring(req.getContextPath().length());
      Canned canned = null;
      HttpServletRequest passed = req;
      if ("POST".equals(req.getMethod()) && path.equals("/api/uploads")) {
        byte[] body = req.getInputStream().readAllBytes();
        String filename = JsonParser.parseString(new String(body, StandardCharsets.UTF_8))
            .getAsJsonObject().get("filename").getAsString();
        canned = PRESIGNS.get(filename);
        passed = new ReplayedBody(req, body);
      } else if ("POST".equals(req.getMethod()) && path.endsWith("/complete")) {
        canned = complete;
      } else if ("GET".equals(req.getMethod()) && path.equals("/api/files")
          && filesWhileIndexing != null) {
        canned = new Canned(200, filesWhileIndexing);
      }
      if (canned == null) {
        chain.doFilter(passed, resp);
        return;
      }
      resp.setStatus(canned.status());
      resp.setContentType("application/json");
      resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
      resp.setHeader("Cache-Control", "no-store");
      resp.getWriter().write(canned.body());
    }
  }

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.startBehindProxy(context -> context.addFilter(
        new FilterHolder(new CannedAnswers()), "/api/*", EnumSet.of(DispatcherType.REQUEST))));
  }

  @AfterEach
  void answerAsTheAppDoesAndDropWhatIsPending() throws Exception {
    PRESIGNS.clear();
    complete = null;
    filesWhileIndexing = null;
    // A canned answer may leave an upload pending on the server: the next page would offer it.
    for (String id : site.pendingUploads()) {
      site.delete("api/uploads/" + id);
    }
  }

  /** Chromium's line for a request to the app's {@code path} that answered {@code status}. */
  private static Predicate<LogEntry> failed(String path, int status) {
    return entry -> entry.getMessage().matches("(?s)" + site.base + path
        + " - Failed to load resource: the server responded with a status of " + status + " .*");
  }

  @Test
  void refusalsShowTheServersMessageAndOnlyPassingOnesOfferRetry() {
    PRESIGNS.put("invoice.pdf", Canned.error(403, "REJECTED_BY_HOOK",
        "Invoices go to accounting, not here"));
    PRESIGNS.put("holiday.mp4", Canned.error(413, "QUOTA_EXCEEDED",
        "This upload would take you past your 10 GiB; 9.8 GiB are used"));
    PRESIGNS.put("minutes.txt", Canned.error(429, "PENDING_LIMIT",
        "You have 20 unfinished uploads; finish or discard one first"));
    PRESIGNS.put("scan.pdf", Canned.error(503, "HOOK_UNAVAILABLE",
        "The upload check is not answering; try again in a minute"));
    expectConsoleErrors(failed("api/uploads", 403).or(failed("api/uploads", 413))
        .or(failed("api/uploads", 429)).or(failed("api/uploads", 503)));
    page.open();

    page.drop("invoice.pdf", "application/pdf", TestFiles.text(1000));
    page.drop("holiday.mp4", "video/mp4", TestFiles.random(5, 4000));
    page.drop("minutes.txt", "text/plain", TestFiles.text(800));
    page.drop("scan.pdf", "application/pdf", TestFiles.text(900));

    WebElement hook = page.waitForUpload("invoice.pdf", "refused");
    assertEquals("Invoices go to accounting, not here.", text(hook.findElement(By.className("detail"))));
    assertFalse(hook.findElement(By.cssSelector("button.retry")).isDisplayed(), "no retry");
    for (Map.Entry<String, String> failed : Map.of(
        "holiday.mp4", "This upload would take you past your 10 GiB; 9.8 GiB are used.",
        "minutes.txt", "You have 20 unfinished uploads; finish or discard one first.",
        "scan.pdf", "The upload check is not answering; try again in a minute.").entrySet()) {
      WebElement row = page.waitForUpload(failed.getKey(), "failed");
      assertEquals(failed.getValue(), text(row.findElement(By.className("detail"))));
      assertTrue(row.findElement(By.cssSelector("button.retry")).isDisplayed(), failed.getKey());
    }
    assertEquals("0 of 4 files done · 3 failed · 1 refused", text(page.byId("overall-text")));

    // Once an unfinished upload is out of the way, the retry goes through.
    PRESIGNS.remove("minutes.txt");
    page.upload("minutes.txt").findElement(By.cssSelector("button.retry")).click();
    page.waitForUpload("minutes.txt", "done");
  }

  @Test
  void contentRefusedAfterTheUploadIsShownWithoutRetry() throws Exception {
    complete = Canned.error(422, "TYPE_MISMATCH", "the file's content is HTML, not image/png");
    expectConsoleErrors(failed("api/uploads/[^/ ]+/complete", 422));
    page.open();

    page.choose(TestFiles.write(folder, "chart.png", TestFiles.text(2000)));

    WebElement row = page.waitForUpload("chart.png", "refused");
    assertEquals("the file's content is HTML, not image/png.",
        text(row.findElement(By.className("detail"))));
    assertFalse(row.findElement(By.cssSelector("button.retry")).isDisplayed(), "no retry");
    assertEquals(null, page.file("chart.png"));
  }

  @Test
  void listStillLoadingAfterAStartShowsWhatIsKnownAndFillsIn() throws Exception {
    filesWhileIndexing = "{\"files\":[{\"id\":\"AZr2x1d0bQ1u5gAAAAAAAA\",\"name\":\"early-bird.txt\","
        + "\"size\":120,\"contentType\":\"text/plain\",\"uploadedAt\":\"2026-01-05T08:00:00Z\","
        + "\"downloadUrl\":\"api/files/AZr2x1d0bQ1u5gAAAAAAAA/download\",\"publicUrl\":null}],"
        + "\"nextCursor\":null,\"complete\":false}";
    page.open();

    WebElement indexing = page.byId("files-indexing");
    assertTrue(indexing.isDisplayed(), "says the list is still loading");
    assertTrue(text(indexing).startsWith("Loading the file list…"), text(indexing));
    assertFalse(page.byId("empty").isDisplayed(), "not 'No files yet'");
    page.waitForFile("early-bird.txt");

    filesWhileIndexing = null; // the server has read the whole bucket: the real list

    browser.waitUntil("the page to ask again and show the whole list",
        d -> !indexing.isDisplayed() && page.file("early-bird.txt") == null);
  }

  @Test
  void putAnsweredPreconditionFailedIsCompletedAsAlreadyStored() throws Exception {
    Path file = TestFiles.write(folder, "second-try.csv", TestFiles.text(4321));
    String store = site.proxy.endpoint().toString();
    expectConsoleErrors(entry -> entry.getMessage().startsWith(store + "/")
        && entry.getMessage().endsWith("Failed to load resource: the server responded with a"
            + " status of 412 (Precondition Failed)"));
    page.open();
    site.proxy.storeThenAnswer412ToNextPut();

    page.choose(file);

    page.waitForUpload("second-try.csv", "done");
    assertFalse(site.proxy.faultPending(), "the PUT was answered 412");
    page.waitForFile("second-try.csv");
  }
}
