package dev.tpmdevid.plugin;

import org.junit.jupiter.api.Test;

/**
 * Runs {@link HandshakeTiming} from Maven, only on request (the name does not end in {@code Test},
 * so {@code mvn verify} and {@code bin/test} leave it out): {@code mvn -B -q -ntp -pl proto test
 * -Dtest=HandshakeTimingBenchmark -Dhandshake.timing=5}; the figures are in {@code
 * proto/target/surefire-reports/dev.tpmdevid.plugin.HandshakeTimingBenchmark-output.txt}. A
 * measurement: it asserts nothing.
 */
class HandshakeTimingBenchmark {

  @Test
  void printsMedianTimeToHandshake() throws Exception {
    HandshakeTiming.main(
        new String[] {Integer.toString(Integer.getInteger("handshake.timing", 5))});
  }
}
