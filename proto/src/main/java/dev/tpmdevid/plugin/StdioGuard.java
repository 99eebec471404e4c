package dev.tpmdevid.plugin;

import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Keeps the process's stdout clean for the go-plugin handshake (docs/plugin-protocol.md#handshake,
 * #stdio) and every diagnostic on stderr in hclog JSON form.
 *
 * <p>{@link #install()} replaces {@link System#out} and {@link System#err} with streams that turn
 * each line written to them into a JSON debug line on the real stderr (TSS.Java prints TPM errors
 * to stdout; SLF4J prints its warnings to stderr), routes {@code java.util.logging} (gRPC, Netty)
 * into {@link PluginLog}, and logs uncaught exceptions as one error line. Only the handshake is
 * written to the real stdout, through the stream this class keeps.
 */
final class StdioGuard {

  private static PrintStream realStdout;
  private static final PrintStream REAL_STDERR =
      new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

  private StdioGuard() {}

  /**
   * Installs the guards once per process (stdio is process-wide); uncaught exceptions go to {@code
   * crashLog}. Returns the real stdout (for the handshake line only).
   */
  static synchronized PrintStream install(PluginLog crashLog) {
    if (realStdout != null) {
      return realStdout;
    }
    realStdout =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    // hcl4j brings slf4j-api without a provider; its "no providers" notice is noise in SPIRE's log
    if (System.getProperty("slf4j.internal.verbosity") == null) {
      System.setProperty("slf4j.internal.verbosity", "ERROR");
    }
    System.setOut(
        new PrintStream(new LineToLog(PluginLog.get("stdout")), true, StandardCharsets.UTF_8));
    System.setErr(
        new PrintStream(new LineToLog(PluginLog.get("stderr")), true, StandardCharsets.UTF_8));
    bridgeJavaUtilLogging();
    Thread.setDefaultUncaughtExceptionHandler(
        (t, e) -> crashLog.error("uncaught exception", e, "thread", t.getName()));
    return realStdout;
  }

  /** The process's real stderr, for the plain-text start-up refusal only. */
  static PrintStream realStderr() {
    return REAL_STDERR;
  }

  private static void bridgeJavaUtilLogging() {
    // Netty would otherwise probe for slf4j (on the class path through hcl4j, without a provider:
    // a service-loader scan of every jar), Log4j 2 and Log4j before settling on java.util.logging;
    // name it directly (the same end result, several ms less before the handshake line).
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    root.setLevel(java.util.logging.Level.INFO);
    root.addHandler(new JulToPluginLog());
  }

  /** Turns each line written to it into one debug log line. */
  static final class LineToLog extends OutputStream {
    private static final int MAX_LINE = 16 * 1024;
    private final PluginLog log;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineToLog(PluginLog log) {
      this.log = log;
    }

    @Override
    public synchronized void write(int b) {
      if (b == '\n') {
        emit();
        return;
      }
      line.write(b);
      if (line.size() >= MAX_LINE) {
        emit();
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }

    @Override
    public synchronized void close() {
      emit();
    }

    private void emit() {
      String s = line.toString(StandardCharsets.UTF_8);
      line.reset();
      if (s.endsWith("\r")) {
        s = s.substring(0, s.length() - 1);
      }
      if (!s.isBlank()) {
        log.debug(s);
      }
    }
  }

  /** java.util.logging handler writing through {@link PluginLog}. */
  static final class JulToPluginLog extends Handler {
    private final SimpleFormatter formatter = new SimpleFormatter();

    @Override
    public void publish(LogRecord r) {
      if (r == null) {
        return;
      }
      int v = r.getLevel().intValue();
      PluginLog.Level level;
      if (v >= java.util.logging.Level.SEVERE.intValue()) {
        level = PluginLog.Level.ERROR;
      } else if (v >= java.util.logging.Level.WARNING.intValue()) {
        level = PluginLog.Level.WARN;
      } else if (v >= java.util.logging.Level.INFO.intValue()) {
        level = PluginLog.Level.INFO;
      } else if (v >= java.util.logging.Level.FINE.intValue()) {
        level = PluginLog.Level.DEBUG;
      } else {
        level = PluginLog.Level.TRACE;
      }
      String name = r.getLoggerName() == null ? "" : r.getLoggerName();
      PluginLog.get("jul").log(level, formatter.formatMessage(r), r.getThrown(), "logger", name);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
