package dev.directupload.testing;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * A request body that is all there already: reads as the bytes given, and a read listener
 * (Servlet non-blocking I/O, as the API reads bodies) is told at once that they are available
 * and then that they are all read.
 */
public final class WholeBody extends ServletInputStream {
  private final ByteArrayInputStream bytes;

  public WholeBody(byte[] body) {
    this.bytes = new ByteArrayInputStream(body.clone());
  }

  @Override
  public int read() {
    return bytes.read();
  }

  @Override
  public int read(byte[] buffer, int offset, int length) {
    return bytes.read(buffer, offset, length);
  }

  @Override
  public boolean isFinished() {
    return bytes.available() == 0;
  }

  @Override
  public boolean isReady() {
    return true;
  }

  @Override
  public void setReadListener(ReadListener listener) {
    try {
      listener.onDataAvailable();
      listener.onAllDataRead();
    } catch (IOException e) {
      listener.onError(e);
    }
  }
}
