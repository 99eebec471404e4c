package dev.tpmdevid.plugin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs {@link HandshakeTiming} from Maven, only on request:
 * {@code mvn -B -q -ntp -pl proto test -Dtest=HandshakeTimingTest -Dhandshake.timing=5}; the figures are
 * in {@code proto/target/surefire-reports/dev.tpmdevid.plugin.HandshakeTimingTest-output.txt}.
 * A measurement: it asserts nothing.
 */
class HandshakeTimingTest {

    @Test
    @EnabledIfSystemProperty(named = "handshake.timing", matches = "\\d+",
            disabledReason = "opt-in timing harness: run with -Dhandshake.timing=<runs>")
    void printsMedianTimeToHandshake() throws Exception {
        HandshakeTiming.main(new String[] {System.getProperty("handshake.timing")});
    }
}
