package dev.tpmdevid.server;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The JDK's providers (SunEC, SunRsaSign, SunJCE) against Bouncy Castle for each public-key
 * primitive of an attestation: which one {@link Fastest} and the server should use.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PrimitivesBench {
  @Param({"JDK", "BC"})
  public String provider;

  private final SecureRandom rng = new SecureRandom();
  private Signature ecVerify;
  private Signature rsaVerify;
  private byte[] ecSig;
  private byte[] rsaSig;
  private final byte[] data = new byte[32];
  private KeyPairGenerator ecGen;
  private KeyAgreement ecdh;
  private KeyPair peer;
  private Cipher oaep;

  @Setup
  public void setUp() throws Exception {
    boolean bc = provider.equals("BC");
    Provider ec = bc ? Floor.BC : Fastest.SUN_EC;
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ecKey = g.generateKeyPair();
    peer = g.generateKeyPair();
    KeyPairGenerator r = KeyPairGenerator.getInstance("RSA");
    r.initialize(2048);
    KeyPair rsaKey = r.generateKeyPair();
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(ecKey.getPrivate());
    s.update(data);
    ecSig = s.sign();
    s = Signature.getInstance("SHA256withRSA");
    s.initSign(rsaKey.getPrivate());
    s.update(data);
    rsaSig = s.sign();
    ecVerify = Signature.getInstance("SHA256withECDSA", ec);
    ecVerify.initVerify(ecKey.getPublic());
    rsaVerify = Signature.getInstance("SHA256withRSA", bc ? Floor.BC : Fastest.SUN_RSA);
    rsaVerify.initVerify(rsaKey.getPublic());
    ecGen = KeyPairGenerator.getInstance("EC", ec);
    ecGen.initialize(new ECGenParameterSpec("secp256r1"), rng);
    ecdh = KeyAgreement.getInstance("ECDH", ec);
    oaep = Cipher.getInstance("RSA/ECB/OAEPPadding", bc ? Floor.BC : Fastest.SUN_JCE);
    oaep.init(
        Cipher.ENCRYPT_MODE,
        rsaKey.getPublic(),
        new OAEPParameterSpec(
            "SHA-256",
            "MGF1",
            MGF1ParameterSpec.SHA256,
            new PSource.PSpecified("IDENTITY\0".getBytes())),
        rng);
  }

  @Benchmark
  public boolean p256Verify(CpuTime cpu) throws Exception {
    cpu.begin();
    ecVerify.update(data);
    boolean ok = ecVerify.verify(ecSig);
    cpu.end();
    return ok;
  }

  @Benchmark
  public KeyPair p256Keygen(CpuTime cpu) {
    cpu.begin();
    KeyPair k = ecGen.generateKeyPair();
    cpu.end();
    return k;
  }

  @Benchmark
  public byte[] p256Ecdh(CpuTime cpu) throws Exception {
    cpu.begin();
    ecdh.init(peer.getPrivate());
    ecdh.doPhase(peer.getPublic(), true);
    byte[] z = ecdh.generateSecret();
    cpu.end();
    return z;
  }

  @Benchmark
  public boolean rsa2048Verify(CpuTime cpu) throws Exception {
    cpu.begin();
    rsaVerify.update(data);
    boolean ok = rsaVerify.verify(rsaSig);
    cpu.end();
    return ok;
  }

  @Benchmark
  public byte[] rsa2048OaepEncrypt(CpuTime cpu) throws Exception {
    cpu.begin();
    byte[] c = oaep.doFinal(data, 0, 16);
    cpu.end();
    return c;
  }
}
