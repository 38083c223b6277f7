package dev.directupload.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.logging.LogEntry;

/**
 * A part PUT that fails on its way to the store does not fail the upload: a part cut off by the
 * network is sent again, and a part whose URL expired before it arrived is signed anew and sent
 * again; either way the bar, which counts the bytes of parts in flight, never goes back, and the
 * stored file is byte for byte the one chosen.
 * Each test has a site of its own behind a {@link StoreProxy} that does the failing; the console
 * may hold the errors of those failures and no other.
 */
class PartRetryIT {
  private static final int MIB = 1 << 20;
  /** Parts of 5, 5 and 2 MiB, all sent at once. */
  private static final int SIZE = 12 * MIB;

  @TempDir
  static Path folder;
  private static Chromium browser;
  private LocalSite site;
  private UploadPage page;
  /** The failed requests the running test causes on purpose; any other console error fails it. */
  private Predicate<LogEntry> isDeliberate = entry -> false;

  @BeforeAll
  static void startBrowser() throws Exception {
    browser = Chromium.start(1100, 1000);
  }

  @AfterAll
  static void stopBrowser() {
    browser.close();
  }

  @AfterEach
  void consoleHasOnlyTheDeliberateErrors() throws Exception {
    try {
      browser.assertNoConsoleErrors(isDeliberate);
    } finally {
      if (site != null) {
        site.close();
      }
    }
  }

  private void startSite(Consumer<ServletContextHandler> customize) throws Exception {
    site = LocalSite.startBehindProxy(context -> {
      context.setInitParameter("direct-upload.multipart-threshold", "5MiB");
      context.setInitParameter("direct-upload.part-size", "5MiB");
      customize.accept(context);
    });
    page = new UploadPage(browser, site);
  }

  @Test
  void partCutOffByTheNetworkIsSentAgainAndTheFileArrivesWhole() throws Exception {
    startSite(context -> { });
    String name = "spillway-survey.mp4";
    byte[] content = TestFiles.random(61, SIZE);
    Path file = TestFiles.write(folder, name, content);
    Predicate<LogEntry> partTwoReset = failedPut(2, "net::ERR_CONNECTION_RESET");
    isDeliberate = partTwoReset;
    page.open();

    site.proxy.cutNextPut(2);
    // Slow enough for the bar to show parts arriving one by one.
    page.throttleUploads(2 * MIB);
    try {
      page.choose(file);
      page.waitForUpload(name, "done");
    } finally {
      page.unthrottle();
    }

    assertFalse(site.proxy.faultPending(), "part 2 was cut");
    assertEquals(1, browser.console().stream().filter(partTwoReset).count(),
        "the page saw part 2 fail once: " + browser.console());
    List<String> partTwo = site.proxy.puts(2);
    assertEquals(2, partTwo.size(), "PUTs of part 2 at the store: " + partTwo);
    assertEquals(partTwo.get(0), partTwo.get(1), "part 2 sent again to the same, still valid URL");
    assertEquals(1, site.proxy.puts(1).size(), "PUTs of part 1");
    assertEquals(1, site.proxy.puts(3).size(), "PUTs of part 3");
    assertBarOnlyGrew(name);
    // Throttled, the bar moved between parts: it counted the bytes of parts in flight, the
    // cut part's among them, and still never went back.
    assertTrue(page.bars(name).stream().anyMatch(v -> v % MIB != 0),
        "the bar counted bytes of parts in flight: " + page.bars(name));
    assertDownloadsAs(name, content);
  }

  @Test
  void partWhoseUrlExpiredOnTheWayIsSignedAgain() throws Exception {
    SigningLog signing = new SigningLog();
    // The page signs a URL again before it expires only with 30 s to spare: with URLs this
    // short, only the store's 403 makes it ask for a new one. The store counts whole seconds,
    // so a fresh URL still lives 4 s or more: time enough for the PUT that follows its signing.
    startSite(context -> {
      context.setInitParameter("direct-upload.url-expiry", "PT5S");
      context.addFilter(new FilterHolder(signing), "/api/uploads/*",
          EnumSet.of(DispatcherType.REQUEST));
    });
    String name = "culvert-inspection.mp4";
    byte[] content = TestFiles.random(62, SIZE);
    Path file = TestFiles.write(folder, name, content);
    Predicate<LogEntry> partTwoExpired = failedPut(2,
        "the server responded with a status of 403 (Forbidden)");
    isDeliberate = partTwoExpired;
    page.open();

    // Held, not cut off: S3Proxy refuses the CORS preflight of an expired URL, so a PUT sent
    // again after a network error would never show the page the store's 403.
    site.proxy.holdNextPutUntilExpired(2);
    page.choose(file);
    page.waitForUpload(name, "done");

    assertFalse(site.proxy.faultPending(), "part 2 was held");
    assertEquals(1, browser.console().stream().filter(partTwoExpired).count(),
        "the store refused part 2's first URL once: " + browser.console());
    List<List<Integer>> requests = signing.requests();
    assertTrue(requests.stream().filter(r -> r.contains(2)).count() >= 2,
        "part 2 signed again: " + requests);
    assertEquals(1, requests.stream().filter(r -> r.contains(1)).count(), "part 1 signed once");
    assertEquals(1, requests.stream().filter(r -> r.contains(3)).count(), "part 3 signed once");
    List<String> partTwo = site.proxy.puts(2);
    assertEquals(2, partTwo.size(), "PUTs of part 2 at the store: " + partTwo);
    assertNotEquals(partTwo.get(0), partTwo.get(1), "part 2 sent again to a new URL");
    assertBarOnlyGrew(name);
    // Download links live 5 s too: a reload lists the file with a fresh one.
    page.open();
    assertDownloadsAs(name, content);
  }

  /** Chromium's console line for a PUT of part {@code part} to the store that failed with {@code error}. */
  private Predicate<LogEntry> failedPut(int part, String error) {
    Pattern line = Pattern.compile(Pattern.quote(site.proxy.endpoint() + "/" + LocalSite.BUCKET + "/")
        + "\\S*[?&]partNumber=" + part + "(&\\S*)? - Failed to load resource: " + Pattern.quote(error));
    return entry -> line.matcher(entry.getMessage()).matches();
  }

  /**
   * The bar went only up, to the file's size, though it counts the bytes of parts in flight and
   * the failed part's bytes were sent again.
   */
  private void assertBarOnlyGrew(String name) {
    List<Long> bars = page.bars(name);
    assertEquals(bars.stream().sorted().toList(), bars, "bar values never decrease");
    assertEquals((long) SIZE, bars.get(bars.size() - 1));
  }

  private void assertDownloadsAs(String name, byte[] content) throws Exception {
    assertEquals(TestFiles.sha256(content), TestFiles.sha256(Files.readAllBytes(page.download(name))));
    assertEquals(List.of(), site.pendingUploads(), "nothing pending on the server");
    assertEquals(0, page.storedEntries(), "nothing left to resume");
  }

  /** Notes the part numbers each signing request ({@code POST api/uploads/{id}/parts}) asks for. */
  private static final class SigningLog extends HttpFilter {
    private static final Pattern PARTS = Pattern.compile(".*/api/uploads/[^/]+/parts");
    private final List<List<Integer>> requests = new CopyOnWriteArrayList<>();

    List<List<Integer>> requests() {
      return List.copyOf(requests);
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response,
        FilterChain chain) throws IOException, ServletException {
      if (!"POST".equals(request.getMethod())
          || !PARTS.matcher(request.getRequestURI()).matches()) {
        chain.doFilter(request, response);
        return;
      }
      byte[] body = request.getInputStream().readAllBytes();
      List<Integer> parts = new ArrayList<>();
      for (JsonElement part : JsonParser.parseString(new String(body, StandardCharsets.UTF_8))
          .getAsJsonObject().getAsJsonArray("parts")) {
        parts.add(part.getAsJsonObject().get("partNumber").getAsInt());
      }
      requests.add(List.copyOf(parts));
      chain.doFilter(new ReplayedBody(request, body), response);
    }
  }
}
