package dev.directupload.browser;

import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.openqa.selenium.logging.LogEntry;

/**
 * A browser test class over one site, one Chromium and the upload page: the subclass starts its
 * site in its {@code @BeforeAll} with {@link #open}; all three are closed after the class. After
 * each test the console must hold no error but those the test declared with
 * {@link #expectConsoleErrors}. Test classes run one at a time, so the handles can be static.
 */
abstract class PageTest {
  static LocalSite site;
  static Chromium browser;
  static UploadPage page;

  /** A fresh test instance per test method: what one test expects is gone for the next. */
  private Predicate<LogEntry> deliberate = entry -> false;

  /** Opens a browser and the upload page on {@code started}. */
  static void open(LocalSite started) throws Exception {
    site = started;
    browser = Chromium.start(1100, 1000);
    page = new UploadPage(browser, site);
  }

  /** Console errors the current test causes on purpose. */
  void expectConsoleErrors(Predicate<LogEntry> errors) {
    deliberate = errors;
  }

  @AfterEach
  final void consoleHasNoUndeclaredErrors() {
    browser.assertNoConsoleErrors(deliberate);
  }

  @AfterAll
  static void closeSiteAndBrowser() throws Exception {
    LocalSite.closeBoth(browser, site);
    site = null;
    browser = null;
    page = null;
  }
}
