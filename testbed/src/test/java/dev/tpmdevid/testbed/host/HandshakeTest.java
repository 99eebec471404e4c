package dev.tpmdevid.testbed.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HandshakeTest {
  @Test
  void acceptsTcpAndUnixLines() throws Exception {
    Handshake tcp = Handshake.parse("1|1|tcp|127.0.0.1:10000|grpc\n");
    assertThat(tcp.network()).isEqualTo("tcp");
    assertThat(tcp.address()).isEqualTo("127.0.0.1:10000");
    assertThat(tcp.protocol()).isEqualTo("grpc");
    Handshake unix = Handshake.parse("1|1|unix|/tmp/plugin123|grpc|");
    assertThat(unix.network()).isEqualTo("unix");
    assertThat(unix.address()).isEqualTo("/tmp/plugin123");
  }

  @Test
  void rejectsWhatGoPluginRejects() {
    assertThatThrownBy(() -> Handshake.parse("Picked up JAVA_TOOL_OPTIONS: -Xmx1g"))
        .hasMessageStartingWith("Unrecognized remote plugin message: Picked up JAVA_TOOL_OPTIONS");
    assertThatThrownBy(() -> Handshake.parse("x|1|tcp|a:1|grpc"))
        .hasMessage("Error parsing core protocol version: x");
    assertThatThrownBy(() -> Handshake.parse("2|1|tcp|a:1|grpc"))
        .hasMessageStartingWith("Incompatible core API version with plugin. Plugin version: 2");
    assertThatThrownBy(() -> Handshake.parse("1|2|tcp|a:1|grpc"))
        .hasMessageStartingWith("Incompatible API version with plugin. Plugin version: 2");
    assertThatThrownBy(() -> Handshake.parse("1|1|udp|a:1|grpc"))
        .hasMessage("Unknown address type: udp");
    assertThatThrownBy(() -> Handshake.parse("1|1|tcp|127.0.0.1:1"))
        .hasMessage("Unsupported plugin protocol \"netrpc\". Supported: [grpc]");
    assertThatThrownBy(() -> Handshake.parse("1|1|tcp|127.0.0.1:1|grpc|" + "A".repeat(60)))
        .hasMessageContaining("AutoMTLS");
  }
}
