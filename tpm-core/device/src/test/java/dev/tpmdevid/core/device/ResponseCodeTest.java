package dev.tpmdevid.core.device;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResponseCodeTest {

  @Test
  void format1SessionNumber() {
    ResponseCode rc = ResponseCode.decode(0x98E);
    assertThat(rc.base()).isEqualTo(ResponseCode.AUTH_FAIL);
    assertThat(rc.kind()).isEqualTo(ResponseCode.Kind.SESSION);
    assertThat(rc.index()).isEqualTo(1);
    assertThat(rc.name()).isEqualTo("TPM_RC_AUTH_FAIL");
    assertThat(rc).hasToString("TPM_RC_AUTH_FAIL (rc 0x98E, session 1)");
  }

  @Test
  void format1ParameterNumber() {
    ResponseCode rc = ResponseCode.decode(0x2C4); // TPM_RC_VALUE + TPM_RC_P + TPM_RC_2
    assertThat(rc.base()).isEqualTo(ResponseCode.VALUE);
    assertThat(rc.kind()).isEqualTo(ResponseCode.Kind.PARAMETER);
    assertThat(rc.index()).isEqualTo(2);
  }

  @Test
  void format1HandleNumber() {
    ResponseCode rc = ResponseCode.decode(0x18B); // TPM_RC_HANDLE + TPM_RC_H + TPM_RC_1
    assertThat(rc.base()).isEqualTo(ResponseCode.HANDLE);
    assertThat(rc.kind()).isEqualTo(ResponseCode.Kind.HANDLE);
    assertThat(rc.index()).isEqualTo(1);
    assertThat(ResponseCode.decode(0x09F).kind()).isEqualTo(ResponseCode.Kind.NONE);
  }

  @Test
  void format0WarningsAndErrors() {
    assertThat(ResponseCode.decode(0x922).name()).isEqualTo("TPM_RC_RETRY");
    assertThat(ResponseCode.decode(0x922).isRetryable()).isTrue();
    assertThat(ResponseCode.decode(0x908).isRetryable()).isTrue();
    assertThat(ResponseCode.decode(0x90A).isRetryable()).isTrue();
    assertThat(ResponseCode.decode(0x902).isRetryable()).isFalse();
    assertThat(ResponseCode.decode(0x902).isWarning()).isTrue();
    assertThat(ResponseCode.decode(0x902).name()).isEqualTo("TPM_RC_OBJECT_MEMORY");
    assertThat(ResponseCode.decode(0x903).name()).isEqualTo("TPM_RC_SESSION_MEMORY");
    assertThat(ResponseCode.decode(0x100).name()).isEqualTo("TPM_RC_INITIALIZE");
    assertThat(ResponseCode.decode(0x100).isWarning()).isFalse();
    assertThat(ResponseCode.decode(0x000).isSuccess()).isTrue();
    assertThat(ResponseCode.decode(0x1E).name()).isEqualTo("TPM 1.2 response code 0x1E");
    assertThat(ResponseCode.decode(0x50F).name()).isEqualTo("vendor TPM_RC 0x50F");
  }
}
