package dev.tpmdevid.server;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Thread CPU time of the measured calls, as JMH secondary results {@code cpuNanos} and {@code
 * calls} (bin/bench divides them): on a shared, loaded machine the wall-clock score also counts
 * time the thread waited for a core, CPU time does not. Reading the clock costs well under 1 us per
 * call, against the hundreds of microseconds measured.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CpuTime {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  public long cpuNanos;
  public long calls;
  private long start;

  @Setup(Level.Iteration)
  public void clear() {
    cpuNanos = 0;
    calls = 0;
  }

  void begin() {
    start = MX.getCurrentThreadCpuTime();
  }

  void end() {
    cpuNanos += MX.getCurrentThreadCpuTime() - start;
    calls++;
  }
}
